package dev.hindsight.projection;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.internal.Catalog;
import dev.hindsight.projection.internal.FastBuild;
import dev.hindsight.projection.internal.InlineApplier;
import dev.hindsight.projection.internal.Runner;
import dev.hindsight.projection.internal.SessionImpl;
import dev.hindsight.projection.internal.Switches;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a set of projections over one read-model database: starts one runner per projection from its checkpoint,
 * answers queries against the live generation of its tables, waits for positions (read-your-writes), reports status,
 * rebuilds a projection beside the live tables and switches atomically, and verifies a projection against the log.
 * Thread-safe.
 */
public final class ProjectionEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final EventStore store;
    private final ReadModelDatabase db;
    private final Upcasters upcasters;
    private final Map<String, Projection> projections;
    private final Map<String, ProjectionOptions> options;
    private final Map<String, Runner> live = new ConcurrentHashMap<>();
    private final Map<String, Runner> rebuilding = new ConcurrentHashMap<>();
    private final Map<String, Long> activeGeneration = new ConcurrentHashMap<>();
    private final Map<String, long[]> rates = new ConcurrentHashMap<>();
    /** Guards {@link #readers} and {@link #pendingDrop}, and the switch of {@link #activeGeneration}. */
    private final Object generations = new Object();

    private final Map<String, Integer> readers = new java.util.HashMap<>();
    private final java.util.Set<String> pendingDrop = new java.util.HashSet<>();
    private volatile @Nullable InlineApplier inline;

    private ProjectionEngine(Builder b) {
        this.store = b.store;
        this.db = b.db;
        this.upcasters = b.upcasters;
        this.projections = Map.copyOf(b.projections);
        this.options = Map.copyOf(b.options);
    }

    public static Builder builder(EventStore store, ReadModelDatabase db) {
        return new Builder(store, db);
    }

    public ReadModelDatabase database() {
        return db;
    }

    /** Creates missing tables and starts every projection from its checkpoint. */
    public ProjectionEngine start() {
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> Catalog.create(c));
            for (Projection p : projections.values()) {
                long[] gen = {Catalog.activeGeneration(c, p.name()).orElse(0L)};
                boolean unfinished = gen[0] != 0 && FastBuild.pending(c, p.name(), gen[0]);
                boolean fresh = gen[0] == 0 || unfinished;
                // A first build over a non-empty log, or one that did not finish: (again) from position 0, fast.
                boolean building = unfinished
                        || (fresh
                                && Switches.fastBuild()
                                && lag(store.head(), store.log().start()) > 0);
                if (fresh) {
                    gen[0] = Math.max(1, gen[0]);
                    ReadModelDatabase.inTransaction(c, () -> {
                        dropTables(c, p, gen[0]);
                        Catalog.forget(c, p.name(), gen[0]);
                        p.createTables(session(c, p, gen[0]));
                        if (building && Switches.fastBuild()) {
                            FastBuild.prepare(c, db.dialect(), p, gen[0]);
                        }
                        Catalog.setActiveGeneration(c, p.name(), gen[0]);
                        Catalog.saveCheckpoint(c, p.name(), gen[0], store.log().start());
                    });
                }
                Position from = Catalog.checkpoint(c, p.name(), gen[0])
                        .orElse(store.log().start());
                activeGeneration.put(p.name(), gen[0]);
                ProjectionOptions o = options.get(p.name());
                Runner r = new Runner(
                        store,
                        db,
                        p,
                        upcasters,
                        o,
                        gen[0],
                        from,
                        building ? o.rebuildBatchSize() : o.batchSize(),
                        building ? "building" : "running");
                if (building) {
                    r.onCaughtUp(store::head, caughtUp -> {
                        finishBuild(p, caughtUp);
                        caughtUp.goLive(o.batchSize());
                    });
                }
                live.put(p.name(), r.start("projection-" + p.name()));
            }
            inline = inlineApplier(c);
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot start projections on " + db + ": " + e.getMessage(), e);
        }
        return this;
    }

    private @Nullable InlineApplier inlineApplier(Connection c) throws SQLException {
        List<Projection> inlined = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(projections.keySet())) {
            if (options.get(name).inline()) {
                inlined.add(projections.get(name));
            }
        }
        if (inlined.isEmpty()) {
            return null;
        }
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT current_database(), current_schema(), current_setting('search_path')")) {
            rs.next();
            if (rs.getString(2) == null) {
                throw new SQLException("the read model's search path names no existing schema");
            }
            return new InlineApplier(inlined, upcasters, rs.getString(1), rs.getString(2), rs.getString(3));
        }
    }

    /**
     * Applies one append's events to the inline projections ({@link ProjectionOptions#inline()}) on the append's
     * connection, inside its transaction: the way to keep them in step with a PostgreSQL store in the same database,
     * registered as the store's inline hook ({@code postgresEventLog.addInlineHook(engine::applyInline)}; this module
     * does not depend on the store). When the append returns, its rows are committed with it; if a handler throws, the
     * append is rolled back. A projection whose runner is not running (still building its first generation, failed,
     * stopped) is skipped here and its runner applies the events from the log later, as it does for events appended
     * without the hook. Every writer to the store must register the hook, or an aggregate's events could be applied out
     * of order. Thread-safe.
     *
     * @param c the append's connection (not committed, rolled back or closed here)
     * @param events the append's events, in order
     * @throws SQLException from a handler, or if {@code c} is not to the read model's database
     */
    public void applyInline(Connection c, List<RecordedEvent> events) throws SQLException {
        InlineApplier a = inline;
        if (a != null) {
            a.apply(c, events, name -> {
                Runner r = live.get(name);
                return r != null && "running".equals(r.state()) && r.isRunning();
            });
        }
    }

    /**
     * Makes a generation built from position 0 durable and indexed ({@link FastBuild#finish}).
     *
     * @return whether it did; if not, the generation stays usable but incomplete and the error is logged
     */
    private boolean finishBuild(Projection p, Runner r) {
        long t0 = System.nanoTime();
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> FastBuild.finish(c, p.name(), r.generation()));
            LOG.info(
                    "projection {} generation {} built up to {}; made durable and indexed in {} ms",
                    p.name(),
                    r.generation(),
                    r.position(),
                    (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (SQLException e) {
            if (r.isRunning()) {
                LOG.error("could not finish building generation {} of projection {}", r.generation(), p.name(), e);
            } else {
                LOG.info(
                        "stopped before finishing generation {} of projection {}; it is built again on the next"
                                + " start",
                        r.generation(),
                        p.name());
            }
            return false;
        }
    }

    private SessionImpl session(Connection c, Projection p, long generation) {
        return new SessionImpl(c, db.dialect(), Set.copyOf(p.tables()), SessionImpl.generationSuffix(generation));
    }

    private Projection projection(String name) {
        Projection p = projections.get(name);
        if (p == null) {
            throw new InvalidRequestException("no projection named '" + name + "'");
        }
        return p;
    }

    /**
     * Runs a query against the live generation of {@code projectionName}'s tables. A generation replaced by a rebuild
     * is dropped only after the last query that started on it has finished.
     */
    public <T> T query(String projectionName, SqlQuery<T> query) {
        Projection p = projection(projectionName);
        long gen;
        synchronized (generations) {
            gen = activeGeneration.get(projectionName);
            readers.merge(key(projectionName, gen), 1, Integer::sum);
        }
        Connection c = null;
        boolean broken = false;
        try {
            c = db.borrowReader();
            try (SessionImpl s = session(c, p, gen)) {
                return query.run(s);
            }
        } catch (SQLException e) {
            broken = true;
            throw new StoreUnavailableException("read-model query failed: " + e.getMessage(), e);
        } finally {
            if (c != null) {
                db.release(c, broken);
            }
            boolean drop;
            synchronized (generations) {
                String k = key(projectionName, gen);
                int left = readers.merge(k, -1, Integer::sum);
                if (left == 0) {
                    readers.remove(k);
                }
                drop = left == 0 && pendingDrop.remove(k);
            }
            if (drop) {
                dropGeneration(p, gen);
            }
        }
    }

    private static String key(String name, long generation) {
        return name + "#" + generation;
    }

    private void dropGeneration(Projection p, long generation) {
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> {
                dropTables(c, p, generation);
                Catalog.forget(c, p.name(), generation);
            });
            LOG.info("dropped generation {} of projection {}", generation, p.name());
        } catch (SQLException e) {
            LOG.warn("could not drop generation {} of projection {}; its tables stay", generation, p.name(), e);
        }
    }

    /**
     * Waits until {@code projectionName} has processed {@code position} (read-your-writes).
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitPosition(String projectionName, Position position, Duration timeout)
            throws InterruptedException {
        projection(projectionName);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Runner r = live.get(projectionName);
            long left = deadline - System.nanoTime();
            if (r.awaitPosition(position, Duration.ofNanos(Math.max(0, Math.min(left, 200_000_000L))))) {
                return true;
            }
            if (left <= 0) {
                return false;
            }
        }
    }

    /** Status of every projection, by name. */
    public List<ProjectionStatus> status() {
        List<ProjectionStatus> out = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(projections.keySet())) {
            out.add(status(name));
        }
        return out;
    }

    /** Status of one projection. */
    public ProjectionStatus status(String name) {
        projection(name);
        Runner r = live.get(name);
        Runner rb = rebuilding.get(name);
        Position head = store.head();
        Position at = r.position();
        long lagEvents = lag(head, at);
        long lagMillis = 0;
        if (lagEvents > 0) {
            GlobalSlice next = store.readAll(at, 1, dev.hindsight.core.EventFilter.ALL);
            if (!next.events().isEmpty()) {
                lagMillis = Math.max(
                        0,
                        Duration.between(next.events().getFirst().recordedAt(), Instant.now())
                                .toMillis());
            }
        }
        long deadLetters;
        try (Connection c = db.borrowReader()) {
            deadLetters = Catalog.deadLetterCount(c, name, r.generation());
        } catch (SQLException e) {
            deadLetters = -1;
        }
        String state = rb != null ? "rebuilding" : r.state();
        String mode = options.get(name).inline() ? "inline" : "async";
        return new ProjectionStatus(
                name,
                state,
                mode,
                r.generation(),
                at.toString(),
                head.toString(),
                lagEvents,
                lagMillis,
                rate(name, r),
                deadLetters,
                r.lastError(),
                r.failedPosition(),
                rb == null ? null : rb.position().toString());
    }

    private static long lag(Position head, Position at) {
        if (head instanceof Position.Sequence h && at instanceof Position.Sequence a) {
            return Math.max(0, h.value() - a.value());
        }
        if (head instanceof Position.Vector h && at instanceof Position.Vector a) {
            long sum = 0;
            long[] ho = h.offsets();
            for (int i = 0; i < ho.length; i++) {
                sum += Math.max(0, ho[i] - a.offset(i));
            }
            return sum;
        }
        return 0;
    }

    /** Events/s since the previous status call (at least one second apart). */
    private double rate(String name, Runner r) {
        long now = System.nanoTime();
        long count = r.processed();
        long[] prev = rates.computeIfAbsent(name, k -> new long[] {now, count, 0});
        synchronized (prev) {
            long dt = now - prev[0];
            if (dt >= 1_000_000_000L) {
                prev[2] = Double.doubleToLongBits((count - prev[1]) * 1e9 / dt);
                prev[0] = now;
                prev[1] = count;
            }
            return Double.longBitsToDouble(prev[2]);
        }
    }

    /**
     * Rebuilds a projection beside the live one: new tables (next generation) filled from position 0 in large
     * batches; when they have caught up, the live runner stops and the new generation becomes live in one
     * transaction; the old tables are dropped. The live tables keep serving until the switch. Returns at once.
     *
     * @throws InvalidRequestException if a rebuild of it is already running
     */
    public synchronized void rebuild(String name) {
        Projection p = projection(name);
        if (rebuilding.containsKey(name)) {
            throw new InvalidRequestException("projection '" + name + "' is already rebuilding");
        }
        ProjectionOptions o = options.get(name);
        long gen;
        try (Connection c = db.openWriter()) {
            gen = Math.max(Catalog.maxGeneration(c, name), activeGeneration.get(name)) + 1;
            long g = gen;
            ReadModelDatabase.inTransaction(c, () -> {
                dropTables(c, p, g);
                Catalog.forget(c, name, g);
                p.createTables(session(c, p, g));
                if (Switches.fastBuild()) {
                    FastBuild.prepare(c, db.dialect(), p, g);
                }
                Catalog.saveCheckpoint(c, name, g, store.log().start());
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot start rebuild of " + name + ": " + e.getMessage(), e);
        }
        Runner next =
                new Runner(store, db, p, upcasters, o, gen, store.log().start(), o.rebuildBatchSize(), "rebuilding");
        Runner current = live.get(name);
        next.onCaughtUp(current::position, r -> {
            if (finishBuild(p, r)) {
                switchTo(p, r);
            } else {
                rebuilding.remove(name);
                r.stop();
            }
        });
        rebuilding.put(name, next);
        next.start("rebuild-" + name + "-g" + gen);
        LOG.info("rebuilding projection {} into generation {}", name, gen);
    }

    private void switchTo(Projection p, Runner next) {
        String name = p.name();
        Runner old = live.get(name);
        old.stop();
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> Catalog.setActiveGeneration(c, name, next.generation()));
            boolean dropNow;
            synchronized (generations) {
                activeGeneration.put(name, next.generation());
                dropNow = !readers.containsKey(key(name, old.generation()));
                if (!dropNow) {
                    pendingDrop.add(key(name, old.generation()));
                }
            }
            live.put(name, next);
            rebuilding.remove(name);
            next.goLive(options.get(name).batchSize());
            if (dropNow) {
                dropGeneration(p, old.generation());
            }
            LOG.info("projection {} switched to generation {} at {}", name, next.generation(), next.position());
        } catch (SQLException e) {
            LOG.error(
                    "switching projection {} to generation {} failed; the old one keeps serving",
                    name,
                    next.generation(),
                    e);
            rebuilding.remove(name);
            next.stop();
            Runner restarted = new Runner(
                    store,
                    db,
                    p,
                    upcasters,
                    options.get(name),
                    old.generation(),
                    old.position(),
                    options.get(name).batchSize(),
                    "running");
            live.put(name, restarted.start("projection-" + name));
        }
    }

    private void dropTables(Connection c, Projection p, long generation) throws SQLException {
        dropTables(c, p, SessionImpl.generationSuffix(generation));
    }

    private static void dropTables(Connection c, Projection p, String suffix) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String t : p.tables()) {
                s.execute("DROP TABLE IF EXISTS " + t + suffix);
            }
        }
    }

    /**
     * Recomputes a projection from the log into scratch tables up to the live runner's position (pausing it meanwhile)
     * and compares them row by row with the live tables.
     */
    public VerifyReport verify(String name) throws InterruptedException {
        Projection p = projection(name);
        Runner r = live.get(name);
        String suffix = "_verify";
        r.pause();
        try (Connection c = db.openWriter()) {
            Position at = r.position();
            ReadModelDatabase.inTransaction(c, () -> {
                dropTables(c, p, suffix);
                p.createTables(new SessionImpl(c, db.dialect(), Set.copyOf(p.tables()), suffix));
            });
            Runner.replayInto(
                    store, c, db, p, upcasters, suffix, at, options.get(name).rebuildBatchSize());
            List<String> missing = new ArrayList<>();
            List<String> extra = new ArrayList<>();
            String liveSuffix = SessionImpl.generationSuffix(r.generation());
            for (String t : p.tables()) {
                missing.addAll(diff(c, t, t + suffix, t + liveSuffix));
                extra.addAll(diff(c, t, t + liveSuffix, t + suffix));
            }
            ReadModelDatabase.inTransaction(c, () -> dropTables(c, p, suffix));
            return new VerifyReport(name, at.toString(), missing, extra);
        } catch (SQLException e) {
            throw new StoreUnavailableException("verify of " + name + " failed: " + e.getMessage(), e);
        } finally {
            r.resume();
        }
    }

    private static List<String> diff(Connection c, String logical, String a, String b) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + a + " EXCEPT SELECT * FROM " + b)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next() && out.size() < 100) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                out.add(logical + " " + row);
            }
        }
        return out;
    }

    /** Stops every runner. The database is left open (the caller owns it). */
    @Override
    public void close() {
        rebuilding.values().forEach(Runner::stop);
        live.values().forEach(Runner::stop);
    }

    /** Configures a {@link ProjectionEngine}. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private final ReadModelDatabase db;
        private Upcasters upcasters = Upcasters.none();
        private final Map<String, Projection> projections = new LinkedHashMap<>();
        private final Map<String, ProjectionOptions> options = new LinkedHashMap<>();

        private Builder(EventStore store, ReadModelDatabase db) {
            this.store = Objects.requireNonNull(store);
            this.db = Objects.requireNonNull(db);
        }

        public Builder upcasters(Upcasters upcasters) {
            this.upcasters = Objects.requireNonNull(upcasters);
            return this;
        }

        public Builder add(Projection projection) {
            return add(projection, ProjectionOptions.DEFAULT);
        }

        public Builder add(Projection projection, ProjectionOptions opts) {
            if (!NAME.matcher(projection.name()).matches()) {
                throw new IllegalArgumentException("projection name must match [a-z][a-z0-9_]*: " + projection.name());
            }
            for (String t : projection.tables()) {
                if (!NAME.matcher(t).matches()) {
                    throw new IllegalArgumentException("table name must match [a-z][a-z0-9_]*: " + t);
                }
            }
            for (Projection other : projections.values()) {
                for (String t : projection.tables()) {
                    if (other.tables().contains(t)) {
                        throw new IllegalArgumentException("projections " + other.name() + " and " + projection.name()
                                + " both declare table " + t);
                    }
                }
            }
            if (projections.put(projection.name(), projection) != null) {
                throw new IllegalArgumentException("two projections named " + projection.name());
            }
            options.put(projection.name(), Objects.requireNonNull(opts));
            return this;
        }

        /**
         * @throws IllegalArgumentException if a projection is inline but the read model is not PostgreSQL
         */
        public ProjectionEngine build() {
            for (Map.Entry<String, ProjectionOptions> e : options.entrySet()) {
                if (e.getValue().inline() && db.dialect() != Dialect.POSTGRES) {
                    throw new IllegalArgumentException("projection " + e.getKey()
                            + " is inline, which needs a PostgreSQL read model (in the event store's database)");
                }
            }
            return new ProjectionEngine(this);
        }
    }
}
