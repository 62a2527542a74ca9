package dev.hindsight.projection.internal;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionOptions;
import dev.hindsight.projection.ReadModelDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the runners of a {@link ProjectionEngine}'s projections: starts one per projection from its checkpoint
 * (building a first or unfinished generation from position 0, fast), rebuilds a projection into a new generation beside
 * the live one and switches to it atomically, feeds the inline hook, and stops them all. Thread-safe, except that
 * {@link #rebuild} calls must not overlap (the engine's {@code rebuild} is {@code synchronized}).
 */
public final class Lifecycle {
    // The engine's logger, so that operators see one logger for start, rebuild and switch.
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);

    private final EventStore store;
    private final ReadModelDatabase db;
    private final Upcasters upcasters;
    private final Map<String, Projection> projections;
    private final Map<String, ProjectionOptions> options;
    private final Generations generations;
    private final Map<String, Runner> live = new ConcurrentHashMap<>();
    private final Map<String, Runner> rebuilding = new ConcurrentHashMap<>();
    private volatile @Nullable InlineApplier inline;
    private final Map<String, InlineHandover> handovers = new ConcurrentHashMap<>();

    /**
     * @param projections by name; {@link #start} starts them in this map's iteration order
     * @param options by projection name, one for each projection
     */
    public Lifecycle(
            EventStore store,
            ReadModelDatabase db,
            Upcasters upcasters,
            Map<String, Projection> projections,
            Map<String, ProjectionOptions> options,
            Generations generations) {
        this.store = store;
        this.db = db;
        this.upcasters = upcasters;
        this.projections = projections;
        this.options = options;
        this.generations = generations;
    }

    /** The live runner of a started projection. */
    public Runner live(String name) {
        return live.get(name);
    }

    /** The runner rebuilding a projection, if a rebuild is running. */
    public @Nullable Runner rebuilding(String name) {
        return rebuilding.get(name);
    }

    /**
     * Creates missing catalog tables and starts every projection from its checkpoint.
     *
     * @throws StoreUnavailableException if the read model fails with an {@link SQLException}
     */
    public void start() {
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> Catalog.create(c));
            for (Projection p : projections.values()) {
                start(c, p);
            }
            inline = inlineApplier(c);
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot start projections on " + db + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts one projection's runner on its active generation. A generation with pending fast-build DDL is not trusted
     * ({@link FastBuild}): it is created again.
     */
    private void start(Connection c, Projection p) throws SQLException {
        long gen = Catalog.activeGeneration(c, p.name()).orElse(0L);
        boolean unfinished = gen != 0 && FastBuild.pending(c, p.name(), gen);
        boolean fresh = gen == 0 || unfinished;
        // A first build over a non-empty log, or one that did not finish: (again) from position 0, fast.
        boolean building = unfinished
                || (fresh
                        && Switches.fastBuild()
                        && StatusReporter.lag(store.head(), store.log().start()) > 0);
        if (fresh) {
            gen = Math.max(1, gen);
            createGeneration(c, p, gen, building, true);
        }
        Position from = Catalog.checkpoint(c, p.name(), gen).orElse(store.log().start());
        generations.started(p.name(), gen);
        ProjectionOptions o = options.get(p.name());
        if (o.inline()) {
            // What was committed before this process could offer it to the hook may still be ahead of the checkpoint
            // (appended while no engine ran, or while a runner had failed): nothing inline until the runner passed it.
            handover(p.name()).startAfter(InlineApplier.sequence(store.head()));
        }
        Runner r = new Runner(
                store,
                db,
                p,
                upcasters,
                o,
                gen,
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

    /**
     * In one transaction, (re)creates the tables of a generation, empty, with its checkpoint at the start of the log.
     *
     * @param fast whether to {@link FastBuild#prepare prepare} them for a fast build (if {@link Switches#fastBuild()})
     * @param activate whether to make it the active generation in the catalog
     */
    private void createGeneration(Connection c, Projection p, long gen, boolean fast, boolean activate)
            throws SQLException {
        ReadModelDatabase.inTransaction(c, () -> {
            Generations.dropTables(c, p, gen);
            Catalog.forget(c, p.name(), gen);
            p.createTables(SessionImpl.ofGeneration(c, db.dialect(), p, gen));
            if (fast && Switches.fastBuild()) {
                FastBuild.prepare(c, db.dialect(), p, gen);
            }
            if (activate) {
                Catalog.setActiveGeneration(c, p.name(), gen);
            }
            Catalog.saveCheckpoint(c, p.name(), gen, store.log().start());
        });
    }

    private @Nullable InlineApplier inlineApplier(Connection c) throws SQLException {
        List<Projection> inlined = new ArrayList<>();
        for (String name : new TreeSet<>(projections.keySet())) {
            if (options.get(name).inline()) {
                inlined.add(projections.get(name));
            }
        }
        return inlined.isEmpty() ? null : InlineApplier.forReadModel(c, inlined, upcasters);
    }

    /**
     * Applies one append's events to the inline projections whose runner is running live and has applied everything of
     * the aggregate left to it ({@link InlineHandover}); see {@link ProjectionEngine#applyInline}.
     */
    public void applyInline(Connection c, List<RecordedEvent> events) throws SQLException {
        InlineApplier a = inline;
        if (a != null && !events.isEmpty()) {
            String aggregateId = events.getFirst().aggregateId();
            long last = InlineApplier.sequence(events.getLast().position());
            a.apply(c, events, name -> {
                Runner r = live.get(name);
                // A parked aggregate's events go to the runner, which dead-letters them (no gap applied inline).
                boolean running = r != null && "running".equals(r.state()) && r.isRunning() && !r.isParked(aggregateId);
                long at = running && r.position() instanceof Position.Sequence s ? s.value() : 0;
                return r != null && handover(name).claim(aggregateId, last, running, at)
                        ? r.generation()
                        : InlineApplier.NOT_READY;
            });
        }
    }

    /**
     * Waits until the live runner of a started projection (whichever it is, across switches) has processed
     * {@code position}.
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitPosition(String name, Position position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Runner r = live.get(name);
            long left = deadline - System.nanoTime();
            if (r.awaitPosition(position, Duration.ofNanos(Math.max(0, Math.min(left, 200_000_000L))))) {
                return true;
            }
            if (left <= 0) {
                return false;
            }
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

    /**
     * Rebuilds a started projection beside the live one: new tables (next generation) filled from position 0 in large
     * batches; when they have caught up with the live runner, the switch. Returns at once. Calls must not overlap.
     *
     * @throws InvalidRequestException if a rebuild of it is already running
     * @throws StoreUnavailableException if the new generation cannot be created
     */
    public void rebuild(Projection p) {
        String name = p.name();
        if (rebuilding.containsKey(name)) {
            throw new InvalidRequestException("projection '" + name + "' is already rebuilding");
        }
        ProjectionOptions o = options.get(name);
        long gen;
        try (Connection c = db.openWriter()) {
            gen = Math.max(Catalog.maxGeneration(c, name), generations.active(name)) + 1;
            createGeneration(c, p, gen, true, false);
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

    /**
     * On the rebuild runner's thread: stops the live runner, makes {@code next}'s generation active in one transaction
     * and takes it live; the old generation is dropped once no query uses it. If the switch fails, the old generation
     * keeps serving with a new runner from where the old one stopped.
     */
    private void switchTo(Projection p, Runner next) {
        String name = p.name();
        Runner old = live.get(name);
        old.stop();
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> Catalog.setActiveGeneration(c, name, next.generation()));
            boolean dropNow = generations.switchTo(name, old.generation(), next.generation());
            live.put(name, next);
            rebuilding.remove(name);
            // Appends the hook wrote into the old generation reach the new one through its runner.
            handover(name).switched();
            next.goLive(options.get(name).batchSize());
            if (dropNow) {
                generations.drop(p, old.generation());
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

    private InlineHandover handover(String name) {
        return handovers.computeIfAbsent(name, n -> new InlineHandover());
    }

    /** Stops every runner, rebuilds first. */
    public void close() {
        rebuilding.values().forEach(Runner::stop);
        live.values().forEach(Runner::stop);
    }
}
