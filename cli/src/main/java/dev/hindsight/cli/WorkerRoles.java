package dev.hindsight.cli;

import dev.hindsight.cli.Roles.Role;
import dev.hindsight.core.EventStore;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Starts the roles of a worker process ({@code serve --role read-model}, {@code snapshots} or both, over the PostgreSQL
 * or the Kafka engine). The snapshot service, and the read model over PostgreSQL (one totally ordered log, nothing to
 * split), run under a lease ({@link LeasedRole}), so that one process per role is active and others stand by: the read
 * model's lease is named by its schema and projections, the snapshot service's by the store's schema. Over Kafka every
 * read-model process is active and they split the topic's partitions ({@link PartitionedReadModel}). Stateless.
 */
final class WorkerRoles {
    private WorkerRoles() {}

    /** The lease name of the read-model role of a store in {@code schema}. */
    static String readModelLease(String schema) {
        return "hindsight-read-model:" + schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX + ":orders";
    }

    /** The lease name of the snapshots role of a store in {@code schema}. */
    static String snapshotsLease(String schema) {
        return "hindsight-snapshots:" + schema + ":orders";
    }

    /**
     * Starts the leased roles and the health and metrics port.
     *
     * @param store the events (PostgreSQL or a read-only Kafka log)
     * @param database where snapshots, checkpoints and the read model live (schema migrated)
     * @param closeLast what to close after the roles, in order (the event store, then the database pool)
     * @param kafka the Kafka log under {@code store}, whose partitions the read-model processes split; null over
     *     PostgreSQL (the read model is leased)
     * @throws CliException if the port cannot be bound or the split read model cannot start
     */
    static WorkerProcess start(
            Roles roles,
            EventStore store,
            DataSource database,
            PostgresOptions options,
            List<AutoCloseable> closeLast,
            PrometheusMeterRegistry registry,
            String host,
            int port,
            Duration check,
            @Nullable KafkaEventLog kafka) {
        List<LeasedRole> leased = new ArrayList<>();
        PartitionedReadModel split = null;
        if (kafka != null && roles.has(Role.READ_MODEL)) {
            try {
                split = PartitionedReadModel.start(store, kafka, database, options, registry);
            } catch (RuntimeException e) {
                WorkerProcess.closeQuietly(closeLast);
                throw e;
            }
        }
        if (roles.has(Role.SNAPSHOTS)) {
            leased.add(new LeasedRole(
                    Role.SNAPSHOTS.cliName,
                    new RoleLease(options, snapshotsLease(options.schema())),
                    () -> SnapshotsRole.start(store, database, options, registry),
                    check));
        }
        if (roles.has(Role.READ_MODEL) && split == null) {
            leased.add(new LeasedRole(
                    Role.READ_MODEL.cliName,
                    new RoleLease(options, readModelLease(options.schema())),
                    () -> List.of(
                            OrdersWiring.postgres(store, database, options, false, false, null, registry, () -> {})),
                    check));
        }
        for (LeasedRole r : leased) {
            Gauge.builder("hindsight.role.active", r, x -> x.active() ? 1 : 0)
                    .description("1 while this process runs the role (holds its lease), 0 while it stands by")
                    .tag("role", r.role())
                    .register(registry);
        }
        List<AutoCloseable> parts = new ArrayList<>(leased);
        if (split != null) {
            parts.add(split);
        }
        parts.addAll(closeLast);
        PartitionedReadModel splitRole = split;
        WorkerProcess process = WorkerProcess.start(
                roles,
                parts,
                () -> leased.stream().allMatch(LeasedRole::active)
                                && (splitRole == null || !splitRole.partitions().isEmpty())
                        ? "ok"
                        : "standby",
                splitRole == null ? () -> null : splitRole::partitions,
                registry,
                host,
                port);
        leased.forEach(LeasedRole::start);
        return process;
    }
}
