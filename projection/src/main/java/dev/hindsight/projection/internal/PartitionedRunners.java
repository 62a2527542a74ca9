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
 * per projection and assigned partition, each reading its partition alone and committing that partition's checkpoint
 * row with its batch, fenced by the epoch it claimed ({@link Catalog#claimPartition}). The caller (a consumer group
 * member) {@link #assign}s and {@link #revoke}s partitions; a revoke stops the partition's runners before it returns,
 * so the next holder starts at the offset they committed last, and a holder that did not hear of its revocation (a
 * stalled process) is fenced at its next batch. Projections run this way must write each row from the events of one
 * aggregate only ({@link Projection#rowsPerAggregate()}): aggregates never span partitions, so two runners never write
 * the same row. Thread-safe: assign, revoke and close are serialized on this object.
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
    private final Map<Integer, List<Runner>> running = new TreeMap<>(); // guarded by this
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
     * Claims each partition (bumping its epoch) and starts its runners at the partition's committed offset. A
     * partition without a row of its own starts at its entry of the generation's whole-log checkpoint (left by a
     * single runner before the split), else at 0.
     *
     * @throws StoreUnavailableException if a claim fails (the partitions claimed before it run)
     */
    public synchronized void assign(Collection<Integer> partitions) {
        for (int p : partitions) {
            stopRunners(p);
            List<Runner> started = new ArrayList<>();
            try (Connection c = db.openWriter()) {
                for (Projection proj : projections.values()) {
                    long gen = generation.get(proj.name());
                    long before = Catalog.checkpoint(c, proj.name(), gen)
                            .map(pos -> pos instanceof Position.Vector v ? v.offset(p) : 0L)
                            .orElse(0L);
                    long[] claimed = Catalog.claimPartition(c, proj.name(), gen, p, before); // auto-commit
                    long[] offsets = new long[reader.partitions()];
                    offsets[p] = claimed[1];
                    ProjectionOptions o = options.get(proj.name());
                    Runner r = new Runner(
                                    store,
                                    db,
                                    proj,
                                    upcasters,
                                    o,
                                    gen,
                                    new Position.Vector(offsets),
                                    o.batchSize(),
                                    "running")
                            .forPartition(reader, p, claimed[0]);
                    started.add(r.start("projection-" + proj.name() + "-p" + p));
                    LOG.info(
                            "projection {}: applying partition {} from offset {} (epoch {})",
                            proj.name(),
                            p,
                            claimed[1],
                            claimed[0]);
                }
            } catch (SQLException e) {
                started.forEach(Runner::stop);
                throw new StoreUnavailableException(
                        "cannot claim partition " + p + " of the projections: " + e.getMessage(), e);
            }
            running.put(p, started);
        }
    }

    /** Stops the runners of each partition (each ends after its batch in flight). */
    public synchronized void revoke(Collection<Integer> partitions) {
        for (int p : partitions) {
            stopRunners(p);
        }
    }

    private void stopRunners(int p) {
        List<Runner> old = running.remove(p);
        if (old != null) {
            old.forEach(Runner::stop);
            LOG.info("stopped applying partition {}", p);
        }
    }

    /** The partitions whose runners this process has started and not stopped, ascending. */
    public synchronized List<Integer> assigned() {
        return List.copyOf(running.keySet());
    }

    /** The runners of every assigned partition. */
    public synchronized List<Runner> runners() {
        List<Runner> out = new ArrayList<>();
        running.values().forEach(out::addAll);
        return out;
    }

    /** Stops every runner. */
    public synchronized void close() {
        for (int p : List.copyOf(running.keySet())) {
            stopRunners(p);
        }
    }
}
