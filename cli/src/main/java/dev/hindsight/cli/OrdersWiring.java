package dev.hindsight.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.projection.PartitionReader;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.postgres.InlineAppendHook;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Assembles the order system for {@code serve}. On the embedded default: snapshots in {@code <data-dir>/snapshots},
 * the SQLite read model in {@code <data-dir>/readmodel.db}; with no data directory (the in-memory store) snapshots
 * stay in memory and the read model lives in a temporary directory removed on stop. On PostgreSQL everything stays in
 * the store's database, so the server needs no local disk: snapshots in the store's own {@code snapshots} table and
 * the read model in a schema of its own, {@code <schema>_readmodel}. Stateless.
 */
final class OrdersWiring {
    /** Appended to the store's schema to name the read model's schema. */
    static final String READ_MODEL_SCHEMA_SUFFIX = "_readmodel";

    private OrdersWiring() {}

    /**
     * Builds and starts the order system (its read model catches up in the background); mount its
     * {@link OrderSystem#plugin()}, whose close (the server's stop) closes it.
     *
     * @param dataDir the store's data directory, or {@code null} for the in-memory store
     * @throws CliException if the snapshot store or read model cannot be opened
     */
    static OrderSystem plugin(EventStore store, @Nullable Path dataDir, MeterRegistry registry) {
        return plugin(store, dataDir, registry, () -> {});
    }

    /**
     * As {@link #plugin(EventStore, Path, MeterRegistry)}; {@code afterClose} runs when the system has closed (for
     * instance closing the database of a Kafka node's subject keys), or at once if it cannot start.
     */
    static OrderSystem plugin(EventStore store, @Nullable Path dataDir, MeterRegistry registry, Runnable afterClose) {
        SnapshotStore snapshots = null;
        Path scratch = null;
        try {
            Path readModelDir;
            if (dataDir == null) {
                snapshots = new InMemorySnapshotStore(SnapshotRetention.DEFAULT);
                scratch = Files.createTempDirectory("hindsight-readmodel-");
                readModelDir = scratch;
            } else {
                snapshots = FileSnapshotStore.open(dataDir.resolve("snapshots"), SnapshotRetention.DEFAULT);
                readModelDir = dataDir;
            }
            Path remove = scratch;
            return OrderSystem.builder(store)
                    .snapshots(snapshots)
                    .readModel(ReadModelDatabase.sqlite(readModelDir.resolve("readmodel.db")))
                    .onClose(() -> {
                        deleteQuietly(remove);
                        afterClose.run();
                    })
                    .build()
                    .bindMetrics(registry)
                    .start();
        } catch (IOException | RuntimeException e) {
            if (snapshots != null) {
                snapshots.close();
            }
            deleteQuietly(scratch);
            afterClose.run();
            throw new CliException("cannot start the order system" + (dataDir == null ? "" : " in " + dataDir) + ": "
                    + e.getMessage());
        }
    }

    /**
     * Builds and starts the order system on PostgreSQL, next to the events of {@code log}: snapshots in the store's
     * schema (same connection pool), the read model in schema {@code <schema>_readmodel} of the same database (created
     * if missing), through connections of its own so that read-model queries and projection batches never wait for
     * the appenders' pool. Returns the started system; its plugin's close (the server's stop) closes it.
     *
     * <p>With {@code inline}, the {@code orders} projection is inline: its hook is registered on {@code log}, so each
     * append's read-model rows commit in the append's transaction, on the append's connection (the hook sets the read
     * model's search path for the rest of that transaction; the store's own statements name their schema). The hook is
     * unregistered when the system closes.
     *
     * @param options the options {@code log} was opened with
     * @param inline whether the {@code orders} projection runs inline
     * @param follow whether the projection's runner runs in another process (the {@code api} role without
     *     {@code read-model}): queries and {@code min_position} follow the catalog that process commits
     * @param writeSnapshots whether commands write snapshots (off when the {@code snapshots} role runs apart)
     * @throws CliException if the snapshot store or read model cannot be opened
     */
    static OrderSystem postgres(
            EventStore store,
            PostgresEventLog log,
            PostgresOptions options,
            boolean inline,
            boolean follow,
            boolean writeSnapshots,
            MeterRegistry registry) {
        return postgres(
                store, log.dataSource(), log, options, inline, follow, writeSnapshots, null, null, registry, () -> {});
    }

    /**
     * As {@link #postgres(EventStore, PostgresEventLog, PostgresOptions, boolean, boolean, boolean, MeterRegistry)},
     * for events that live elsewhere (the Kafka engine's split roles): snapshots and the read model in the database
     * of {@code database}, a pool opened with {@code options} (migrated). No inline projections: they need the
     * append's PostgreSQL transaction.
     *
     * @param readModel the read model that another order system of this process uses too (opened by
     *     {@link #openReadModel}; closing this system leaves its pool open, its owner closes it); null: a pool of its
     *     own, closed with the system
     * @param afterClose runs when the system has closed (for instance closing {@code database})
     */
    static OrderSystem postgres(
            EventStore store,
            DataSource database,
            PostgresOptions options,
            boolean follow,
            boolean writeSnapshots,
            @Nullable SharedReadModel readModel,
            MeterRegistry registry,
            Runnable afterClose) {
        return postgres(
                store, database, null, options, false, follow, writeSnapshots, null, readModel, registry, afterClose);
    }

    /**
     * The order system of a Kafka {@code read-model} process that splits the topic's partitions with the others
     * ({@link PartitionedReadModel}): the read model as in
     * {@link #postgres(EventStore, DataSource, PostgresOptions, boolean, boolean, SharedReadModel, MeterRegistry,
     * Runnable)}, its
     * projection run over the assigned partitions through {@code partitions}; writes no snapshots.
     *
     * @param readModel the read model shared with the process's other order system (the {@code api}'s), whose owner
     *     closes its pool; null: a pool of its own, closed with the system
     * @param registry where the order meters go; null: none (the process's other order system, which takes the
     *     commands, registers them)
     */
    static OrderSystem postgres(
            EventStore store,
            DataSource database,
            PostgresOptions options,
            PartitionReader partitions,
            @Nullable SharedReadModel readModel,
            @Nullable MeterRegistry registry) {
        return postgres(store, database, null, options, false, false, false, partitions, readModel, registry, () -> {});
    }

    /**
     * A read model opened once for two order systems of one process (the Kafka {@code api} with the
     * {@code read-model} role): one pool and one set of idle readers rather than two of each. Close it after both.
     */
    record SharedReadModel(HikariDataSource pool, ReadModelDatabase database) implements AutoCloseable {
        @Override
        public void close() {
            database.close();
            pool.close();
        }
    }

    /**
     * Opens the read model in schema {@code <schema>_readmodel} of {@code database} (created if missing) for
     * {@link SharedReadModel sharing}.
     *
     * @throws CliException if the schema cannot be created
     */
    static SharedReadModel openReadModel(DataSource database, PostgresOptions options) {
        String schema = options.schema() + READ_MODEL_SCHEMA_SUFFIX;
        try {
            createSchema(database, schema);
        } catch (SQLException e) {
            throw new CliException("cannot create the read model's schema " + schema + ": " + e.getMessage());
        }
        HikariDataSource pool = readModelSource(options, schema);
        return new SharedReadModel(pool, ReadModelDatabase.postgres(pool));
    }

    private static OrderSystem postgres(
            EventStore store,
            DataSource database,
            @Nullable PostgresEventLog log,
            PostgresOptions options,
            boolean inline,
            boolean follow,
            boolean writeSnapshots,
            @Nullable PartitionReader partitions,
            @Nullable SharedReadModel shared,
            @Nullable MeterRegistry registry,
            Runnable afterClose) {
        String readModelSchema = options.schema() + READ_MODEL_SCHEMA_SUFFIX;
        SnapshotStore snapshots = null;
        HikariDataSource readModel = null; // owned: closed with the system
        try {
            ReadModelDatabase readModelDb;
            if (shared == null) {
                createSchema(database, readModelSchema);
                readModel = readModelSource(options, readModelSchema);
                readModelDb = ReadModelDatabase.postgres(readModel);
            } else {
                readModelDb = shared.database();
            }
            HikariDataSource readModelPool = readModel;
            // The log has just migrated the schema (snapshots table included).
            snapshots = PostgresSnapshotStore.open(database, options.withMigrate(false), SnapshotRetention.DEFAULT);
            AtomicReference<@Nullable InlineAppendHook> hook = new AtomicReference<>();
            OrderSystem system = OrderSystem.builder(store)
                    .snapshots(snapshots)
                    .readModel(readModelDb)
                    .inlineProjection(inline)
                    .followProjections(follow)
                    .partitionedProjections(partitions)
                    .writeSnapshots(writeSnapshots)
                    .onClose(() -> {
                        InlineAppendHook h = hook.get();
                        if (h != null && log != null) {
                            log.removeInlineHook(h);
                        }
                        if (readModelPool != null) {
                            readModelPool.close();
                        }
                        afterClose.run();
                    })
                    .build();
            if (registry != null) {
                system.bindMetrics(registry);
            }
            system.start();
            if (inline && log != null) {
                // Registered after start: the engine knows its inline projections (and their schema) only then.
                ProjectionEngine engine = Objects.requireNonNull(system.projections(), "projections");
                // The engine hands the hook events as stored: decrypt personal fields as every other read does.
                dev.hindsight.core.privacy.Shredder shredder = store.shredder();
                InlineAppendHook h = shredder == null
                        ? engine::applyInline
                        : (c, events) -> engine.applyInline(c, shredder.reveal(events));
                hook.set(h);
                log.addInlineHook(h);
            }
            return system;
        } catch (SQLException | RuntimeException e) {
            if (snapshots != null) {
                snapshots.close();
            }
            if (readModel != null) {
                readModel.close();
            }
            throw new CliException(
                    "cannot start the order system on PostgreSQL (schema " + readModelSchema + "): " + e.getMessage());
        }
    }

    /** The schema name comes from {@link PostgresOptions}, which admits lower-case identifiers only. */
    private static void createSchema(DataSource database, String schema) throws SQLException {
        try (Connection c = database.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        } catch (SQLException e) {
            // Two servers starting at once: IF NOT EXISTS still races in the catalog; the loser's schema exists.
            if (!"23505".equals(e.getSQLState()) && !"42P06".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Most pooled read-model connections: the engine's readers (8) plus its runners' and rebuilds' writers. */
    static final int READ_MODEL_POOL = 12;

    /**
     * A pool of connections whose search path is the read model's schema, where the projections create their tables.
     * Pooled and fixed-size: without a pool every query beyond the engine's few idle readers opened a new PostgreSQL
     * backend (a process fork and a password exchange, several ms of CPU each) and closed it again, which under the
     * seed's read load cost more than the queries themselves.
     */
    static HikariDataSource readModelSource(PostgresOptions options, String schema) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(options.jdbcUrl());
        if (options.user() != null) {
            cfg.setUsername(options.user());
        }
        if (options.password() != null) {
            cfg.setPassword(options.password());
        }
        cfg.setPoolName("hindsight-" + schema);
        cfg.setSchema(schema);
        cfg.setMaximumPoolSize(READ_MODEL_POOL);
        cfg.setMinimumIdle(READ_MODEL_POOL);
        cfg.setConnectionTimeout(30_000);
        cfg.addDataSourceProperty("ApplicationName", options.applicationName() + "-readmodel");
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        cfg.addDataSourceProperty("currentSchema", schema);
        // Nothing written through this pool needs its own WAL flush: a projection batch commits with its checkpoint
        // (ADR 0005), so a database crash that loses the newest commits loses them together and the runner projects
        // those events again; the catalog and dead letters are recomputed the same way. Inline projections write on
        // the append's own connection, not here. Measured: read-model commits waited on WALSync/WALWrite beside the
        // appends under the seed's load (pg_stat_activity samples, docs/benchmarks.md, session 10).
        cfg.setConnectionInitSql("SET synchronous_commit = off");
        return new HikariDataSource(cfg);
    }

    private static void deleteQuietly(@Nullable Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
