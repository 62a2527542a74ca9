package dev.hindsight.projection;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.internal.Follower;
import dev.hindsight.projection.internal.Generations;
import dev.hindsight.projection.internal.Lifecycle;
import dev.hindsight.projection.internal.PartitionedRunners;
import dev.hindsight.projection.internal.Readers;
import dev.hindsight.projection.internal.StatusReporter;
import dev.hindsight.projection.internal.Verifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Runs a set of projections over one read-model database: starts one runner per projection from its checkpoint,
 * answers queries against the live generation of its tables, waits for positions (read-your-writes), reports status,
 * rebuilds a projection beside the live tables and switches atomically, and verifies a projection against the log.
 * Thread-safe.
 */
public final class ProjectionEngine implements AutoCloseable {
    // A facade over the internal package: the runners' lifecycle (start, build, rebuild, switch, stop) is in
    // Lifecycle, the live generations and their readers in Generations, status in StatusReporter, verify in Verifier.
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final ReadModelDatabase db;
    private final Map<String, Projection> projections;
    private final Map<String, ProjectionOptions> options;
    private final Generations generations;
    private final Lifecycle lifecycle;
    private final StatusReporter statuses;
    private final Verifier verifier;
    private final @Nullable Follower follower;
    private final @Nullable PartitionedRunners partitioned;

    private ProjectionEngine(Builder b) {
        this.db = b.db;
        this.projections = Map.copyOf(b.projections);
        this.options = Map.copyOf(b.options);
        Readers readers = readers(b.db);
        this.generations = new Generations(db, readers);
        this.lifecycle = new Lifecycle(b.store, db, b.upcasters, projections, options, generations);
        this.statuses = new StatusReporter(b.store, readers);
        this.verifier = new Verifier(b.store, db, b.upcasters);
        this.follower = b.follower || b.partitioned != null
                ? new Follower(b.store, readers, generations, projections.keySet())
                : null;
        this.partitioned = b.partitioned == null
                ? null
                : new PartitionedRunners(b.store, db, b.upcasters, projections, options, generations, b.partitioned);
    }

    /** The reader pool of {@code db}, which is not API. */
    private static Readers readers(ReadModelDatabase db) {
        return new Readers() {
            @Override
            public Connection borrow() throws SQLException {
                return db.borrowReader();
            }

            @Override
            public void release(Connection c, boolean broken) {
                db.release(c, broken);
            }
        };
    }

    public static Builder builder(EventStore store, ReadModelDatabase db) {
        return new Builder(store, db);
    }

    public ReadModelDatabase database() {
        return db;
    }

    /**
     * Creates missing tables and starts every projection from its checkpoint; a {@linkplain Builder#follower follower}
     * instead reads which tables are live from the catalog and follows them.
     */
    public ProjectionEngine start() {
        if (partitioned != null) {
            partitioned.prepare();
        }
        if (follower != null) {
            follower.start();
        } else {
            lifecycle.start();
        }
        return this;
    }

    /**
     * Starts applying {@code partitions} of a {@linkplain Builder#partitioned partitioned} engine's log: claims each
     * (so that a previous holder's late batch rolls back) and starts its runners at its committed offset.
     *
     * @throws IllegalStateException if the engine is not partitioned
     * @throws StoreUnavailableException if the read model cannot be reached
     */
    public void assign(java.util.Collection<Integer> partitions) {
        requirePartitioned().assign(partitions);
    }

    /**
     * Stops applying {@code partitions}: returns when their runners have ended (each after its batch in flight), so
     * that the next holder starts at what they committed.
     *
     * @throws IllegalStateException if the engine is not partitioned
     */
    public void revoke(java.util.Collection<Integer> partitions) {
        requirePartitioned().revoke(partitions);
    }

    /** The partitions a {@linkplain Builder#partitioned partitioned} engine applies now, ascending; else empty. */
    public List<Integer> assignedPartitions() {
        return partitioned == null ? List.of() : partitioned.assigned();
    }

    private PartitionedRunners requirePartitioned() {
        if (partitioned == null) {
            throw new IllegalStateException("the engine is not partitioned");
        }
        return partitioned;
    }

    /** Whether this engine follows projections that run in another process ({@link Builder#follower}). */
    public boolean following() {
        return follower != null;
    }

    private void refuseWhenFollowing(String what, String name) {
        if (follower != null) {
            throw new InvalidRequestException("projection " + name + " is applied by other processes (the read-model"
                    + " role), not by this one, so it cannot " + what + " it: over PostgreSQL stop them and " + what
                    + " it with --role api,read-model; over Kafka see the README (a split read model is rebuilt by"
                    + " dropping its schema)");
        }
    }

    /**
     * Applies one append's events to the inline projections ({@link ProjectionOptions#inline()}) on the append's
     * connection, inside its transaction: the way to keep them in step with a PostgreSQL store in the same database,
     * registered as the store's inline hook ({@code postgresEventLog.addInlineHook(engine::applyInline)}; this module
     * does not depend on the store). When the append returns, its rows are committed with it; if a handler throws, the
     * append is rolled back. A projection whose runner is not running (still building its first generation, failed,
     * stopped) is skipped here and its runner applies the events from the log later, as it does for events appended
     * without the hook; later appends of the same aggregate are then skipped too until the runner has passed what was
     * left to it, so that no aggregate's events are applied out of order; so are the events of an aggregate the runner
     * has parked after a dead letter (it dead-letters them too). Every writer to the store must register the
     * hook, for the same reason (the hook knows only what its own process left to the runner). Thread-safe.
     *
     * @param c the append's connection (not committed, rolled back or closed here)
     * @param events the append's events, in order
     * @throws SQLException from a handler, or if {@code c} is not to the read model's database
     */
    public void applyInline(Connection c, List<RecordedEvent> events) throws SQLException {
        lifecycle.applyInline(c, events);
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
        if (follower != null && !follower.ready(projectionName)) {
            throw new StoreUnavailableException("the read model of " + projectionName
                    + " does not exist yet: is a read-model process (serve --role read-model) running?");
        }
        return generations.query(p, query);
    }

    /**
     * Waits until {@code projectionName} has processed {@code position} (read-your-writes).
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitPosition(String projectionName, Position position, Duration timeout)
            throws InterruptedException {
        projection(projectionName);
        if (follower != null) {
            return follower.awaitPosition(projectionName, position, timeout);
        }
        return lifecycle.awaitPosition(projectionName, position, timeout);
    }

    /** Status of every projection, by name. */
    public List<ProjectionStatus> status() {
        List<ProjectionStatus> out = new ArrayList<>();
        for (String name : new TreeSet<>(projections.keySet())) {
            out.add(status(name));
        }
        return out;
    }

    /** Status of one projection. */
    public ProjectionStatus status(String name) {
        projection(name);
        if (follower != null) {
            return follower.status(name);
        }
        return statuses.status(
                name,
                lifecycle.live(name),
                lifecycle.rebuilding(name),
                options.get(name).inline());
    }

    /**
     * Rebuilds a projection beside the live one: new tables (next generation) filled from position 0 in large
     * batches; when they have caught up, the live runner stops and the new generation becomes live in one
     * transaction; the old tables are dropped. The live tables keep serving until the switch. Returns at once.
     *
     * <p>An inline projection ({@link ProjectionOptions#inline()}) stays inline before the switch, and again once the
     * new generation's runner has passed every append offered to the hook before the switch; appends in between are
     * applied by that runner from the log, in order, so read-your-writes for them needs {@link #awaitPosition} (as for
     * an asynchronous projection).
     *
     * @throws InvalidRequestException if a rebuild of it is already running
     */
    public synchronized void rebuild(String name) {
        refuseWhenFollowing("rebuild", name);
        lifecycle.rebuild(projection(name));
    }

    /**
     * Recomputes a projection from the log into scratch tables up to the live runner's position (pausing it meanwhile)
     * and compares them row by row with the live tables. For an inline projection, rows that appends wrote inline
     * beyond the runner's position show up as extra rows: verify it after {@link #awaitPosition} of the head, with no
     * appends running.
     */
    public VerifyReport verify(String name) throws InterruptedException {
        Projection p = projection(name);
        if (follower != null && db.dialect() == Dialect.POSTGRES) {
            // runners in other processes (or of some partitions only): compare a consistent copy instead of pausing
            return verifier.verifyCommitted(p, follower, options.get(name).rebuildBatchSize());
        }
        refuseWhenFollowing("verify", name);
        return verifier.verify(p, lifecycle.live(name), options.get(name).rebuildBatchSize());
    }

    /** Stops every runner. The database is left open (the caller owns it). */
    @Override
    public void close() {
        if (partitioned != null) {
            partitioned.close();
        }
        if (follower != null) {
            follower.close();
        }
        lifecycle.close();
    }

    /** Configures a {@link ProjectionEngine}. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private final ReadModelDatabase db;
        private Upcasters upcasters = Upcasters.none();
        private final Map<String, Projection> projections = new LinkedHashMap<>();
        private final Map<String, ProjectionOptions> options = new LinkedHashMap<>();
        private boolean follower;
        private @Nullable PartitionReader partitioned;

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
         * Makes the engine a follower: the projections' runners run in another process on the same read-model
         * database (the {@code read-model} role), so this one runs none. Queries use the generation the catalog names
         * (switches are followed within half a second), {@link #awaitPosition} polls the checkpoint the other process
         * commits with each batch, {@link #status} reads it (state {@code remote}), and rebuild and verify are refused.
         * Default: off.
         */
        public Builder follower(boolean on) {
            this.follower = on;
            return this;
        }

        /**
         * Makes the engine one of several processes that split the partitions of a partitioned log (the Kafka
         * engine's {@code read-model} processes): it runs no runner until {@link ProjectionEngine#assign} names
         * partitions, then one per projection over the assigned partitions, reading them through {@code reader};
         * each batch commits the checkpoint row of every partition it advanced, fenced by an epoch that each new
         * holder of the partition bumps. Queries,
         * {@link ProjectionEngine#awaitPosition} and status read the catalog as a {@linkplain #follower follower}
         * does (the other partitions are applied elsewhere); rebuild and verify are refused. Needs a PostgreSQL read
         * model and projections whose rows each belong to one aggregate ({@link Projection#rowsPerAggregate()}).
         * Default: null (one runner over the whole log).
         */
        public Builder partitioned(@Nullable PartitionReader reader) {
            this.partitioned = reader;
            return this;
        }

        /**
         * @throws IllegalArgumentException if a projection is inline but the read model is not PostgreSQL, or inline
         *     in a follower; or if the engine is partitioned but the read model is not PostgreSQL, a projection is
         *     inline, or a projection's rows are not per aggregate
         */
        public ProjectionEngine build() {
            if (partitioned != null) {
                if (db.dialect() != Dialect.POSTGRES) {
                    throw new IllegalArgumentException("a partitioned engine needs a PostgreSQL read model");
                }
                for (Map.Entry<String, Projection> e : projections.entrySet()) {
                    if (!e.getValue().rowsPerAggregate()
                            || options.get(e.getKey()).inline()) {
                        throw new IllegalArgumentException("projection " + e.getKey() + " cannot run split by"
                                + " partition: it must write rows per aggregate (rowsPerAggregate) and not be inline");
                    }
                }
            }
            for (Map.Entry<String, ProjectionOptions> e : options.entrySet()) {
                if (e.getValue().inline() && follower) {
                    throw new IllegalArgumentException("projection " + e.getKey() + " is inline, which a follower"
                            + " cannot run (its runner runs in another process)");
                }
                if (e.getValue().inline() && db.dialect() != Dialect.POSTGRES) {
                    throw new IllegalArgumentException("projection " + e.getKey()
                            + " is inline, which needs a PostgreSQL read model (in the event store's database)");
                }
            }
            return new ProjectionEngine(this);
        }
    }
}
