package dev.hindsight.projection.internal;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.PartitionReader;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionOptions;
import dev.hindsight.projection.ReadModelDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runners of a partitioned log's projections in one of several processes that split its partitions: one runner
 * per projection over the partitions this process is assigned, reading them without the others and committing, with
 * each batch, the checkpoint row of every partition the batch advanced, fenced by the epoch it claimed the partition
 * with ({@link Catalog#claimPartition}). One runner (one read-model connection) whatever the number of partitions. The
 * caller (a consumer group member) {@link #assign}s and {@link #revoke}s partitions: the runner is stopped (its batch
 * in flight ends: committed or rolled back) and started again over the new set, at the committed offsets, so the next
 * holder of a revoked partition starts where this process stopped, and a holder that did not hear of its revocation
 * (a stalled process) is fenced at its next batch of that partition and goes on without it. Projections run this
 * way must write each row from the events of one aggregate only ({@link Projection#rowsPerAggregate()}): aggregates
 * never span partitions, so two processes never write the same row. Thread-safe: assign, revoke and close are
 * serialized on this object.
 */
public final class PartitionedRunners {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);

    private final EventStore store;
    private final ReadModelDatabase db;
    private final Upcasters upcasters;
    private final Map<String, Projection> projections;
    private final Map<String, ProjectionOptions> options;
    private final Generations generations;
    private final PartitionReader reader;
    private final Map<String, Runner> running = new HashMap<>(); // guarded by this
    private final Map<String, Long> generation = new HashMap<>(); // guarded by this

    public PartitionedRunners(
            EventStore store,
            ReadModelDatabase db,
            Upcasters upcasters,
            Map<String, Projection> projections,
            Map<String, ProjectionOptions> options,
            Generations generations,
            PartitionReader reader) {
        this.store = store;
        this.db = db;
        this.upcasters = upcasters;
        this.projections = projections;
        this.options = options;
        this.generations = generations;
        this.reader = reader;
    }

    /**
     * Creates the catalog and, for a projection without one, its first generation (plain tables, no fast build: its
     * runners fill it side by side). Serialized across processes by a transaction-scoped advisory lock of the catalog's
     * schema, so that processes starting together create a generation once. A generation a single runner left half
     * built ({@link FastBuild}) is created again, unless runners of partitions have already committed to it.
     *
     * @throws StoreUnavailableException if the read model fails with an {@link SQLException}
     */
    public synchronized void prepare() {
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    ps.setLong(1, lockKey(c.getSchema()));
                    ps.execute();
                }
                Catalog.create(c);
                for (Projection p : projections.values()) {
                    long gen = Catalog.activeGeneration(c, p.name()).orElse(0L);
                    boolean unfinished = gen != 0
                            && FastBuild.pending(c, p.name(), gen)
                            && Catalog.partitionOffsets(c, p.name(), gen).isEmpty();
                    if (gen == 0 || unfinished) {
                        gen = Math.max(1, gen);
                        Generations.dropTables(c, p, gen);
                        Catalog.forget(c, p.name(), gen);
                        p.createTables(SessionImpl.ofGeneration(c, db.dialect(), p, gen));
                        Catalog.setActiveGeneration(c, p.name(), gen);
                        Catalog.saveCheckpoint(c, p.name(), gen, store.log().start());
                    }
                    generation.put(p.name(), gen);
                    generations.started(p.name(), gen);
                }
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot prepare projections on " + db + ": " + e.getMessage(), e);
        }
    }

    private static long lockKey(String schema) {
        byte[] b = ("hindsight-projection-catalog:" + schema).getBytes(StandardCharsets.UTF_8);
        long h = 1125899906842597L;
        for (byte x : b) {
            h = 31 * h + x;
        }
        return h;
    }

    /**
     * Claims each of {@code partitions} (bumping its epoch) and runs it, with the partitions already held, from the
     * committed offsets. A partition without a row of its own starts at its entry of the generation's whole-log
     * checkpoint (left by a single runner before the split), else at 0.
     *
     * @throws StoreUnavailableException if the read model fails (the partitions held before keep running)
     */
    public synchronized void assign(Collection<Integer> partitions) {
        change(partitions, List.of());
    }

    /** Stops applying {@code partitions}: returns when the batch in flight has ended; the others go on. */
    public synchronized void revoke(Collection<Integer> partitions) {
        change(List.of(), partitions);
    }

    private void change(Collection<Integer> add, Collection<Integer> remove) {
        for (Projection proj : projections.values()) {
            Runner old = running.remove(proj.name());
            Map<Integer, Long> epochs = new TreeMap<>();
            if (old != null) {
                old.stop();
                for (int p : old.partitions()) { // without any it was fenced from
                    epochs.put(p, old.epoch(p));
                }
            }
            epochs.keySet().removeAll(remove);
            if (add.isEmpty() && epochs.isEmpty()) {
                continue; // nothing left to run (e.g. everything revoked as the process leaves the group)
            }
            long gen = generation.get(proj.name());
            try (Connection c = db.openWriter()) {
                try {
                    if (!add.isEmpty()) {
                        long[] before = wholeLogOffsets(c, proj.name(), gen);
                        for (int p : add) {
                            long[] claimed = Catalog.claimPartition(c, proj.name(), gen, p, before[p]); // auto-commit
                            epochs.put(p, claimed[0]);
                        }
                    }
                } finally {
                    if (!epochs.isEmpty()) {
                        start(proj, gen, epochs, Catalog.partitionOffsets(c, proj.name(), gen));
                    }
                }
            } catch (SQLException e) {
                throw new StoreUnavailableException(
                        "cannot claim partitions " + add + " of projection " + proj.name() + ": " + e.getMessage(), e);
            }
        }
    }

    private long[] wholeLogOffsets(Connection c, String name, long gen) throws SQLException {
        long[] out = new long[reader.partitions()];
        Catalog.checkpoint(c, name, gen).ifPresent(pos -> {
            if (pos instanceof Position.Vector v) {
                for (int p = 0; p < out.length; p++) {
                    out[p] = v.offset(p);
                }
            }
        });
        return out;
    }

    private void start(Projection proj, long gen, Map<Integer, Long> epochs, Map<Integer, Long> committed) {
        long[] offsets = new long[reader.partitions()];
        committed.forEach((p, o) -> {
            if (p < offsets.length) {
                offsets[p] = o;
            }
        });
        ProjectionOptions o = options.get(proj.name());
        Runner r = new Runner(
                        store, db, proj, upcasters, o, gen, new Position.Vector(offsets), o.batchSize(), "running")
                .forPartitions(reader, epochs);
        running.put(proj.name(), r.start("projection-" + proj.name() + "-partitions"));
        LOG.info("projection {}: applying partitions {} (epochs {})", proj.name(), epochs.keySet(), epochs.values());
    }

    /**
     * The partitions this process applies now, ascending: those every projection's runner holds (not fenced from)
     * while it runs.
     */
    public synchronized List<Integer> assigned() {
        List<Integer> out = null;
        for (Projection proj : projections.values()) {
            Runner r = running.get(proj.name());
            List<Integer> held = r == null || !r.isRunning() ? List.of() : r.partitions();
            if (out == null) {
                out = new ArrayList<>(held);
            } else {
                out.retainAll(held);
            }
        }
        return out == null ? List.of() : List.copyOf(out);
    }

    /** Stops every runner. */
    public synchronized void close() {
        running.values().forEach(Runner::stop);
        running.clear();
    }
}
