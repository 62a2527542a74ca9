package dev.hindsight.cli;

import dev.hindsight.cli.Roles.Role;
import dev.hindsight.core.EventStore;
import dev.hindsight.store.postgres.PostgresOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Starts the roles of a worker process ({@code serve --role read-model}, {@code snapshots} or both, over the PostgreSQL
 * or the Kafka engine), each under its lease ({@link LeasedRole}), so that one process per role is active and others
 * stand by: the read model's lease is named by its schema and projections, the snapshot service's by the store's
 * schema. Stateless.
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
     * @throws CliException if the port cannot be bound
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
            Duration check) {
        List<LeasedRole> leased = new ArrayList<>();
        if (roles.has(Role.SNAPSHOTS)) {
            leased.add(new LeasedRole(
                    Role.SNAPSHOTS.cliName,
                    new RoleLease(options, snapshotsLease(options.schema())),
                    () -> SnapshotsRole.start(store, database, options, registry),
                    check));
        }
        if (roles.has(Role.READ_MODEL)) {
            leased.add(new LeasedRole(
                    Role.READ_MODEL.cliName,
                    new RoleLease(options, readModelLease(options.schema())),
                    () -> List.of(OrdersWiring.postgres(store, database, options, false, false, registry, () -> {})),
                    check));
        }
        for (LeasedRole r : leased) {
            Gauge.builder("hindsight.role.active", r, x -> x.active() ? 1 : 0)
                    .description("1 while this process runs the role (holds its lease), 0 while it stands by")
                    .tag("role", r.role())
                    .register(registry);
        }
        List<AutoCloseable> parts = new ArrayList<>(leased);
        parts.addAll(closeLast);
        WorkerProcess process = WorkerProcess.start(
                roles,
                parts,
                () -> leased.stream().allMatch(LeasedRole::active) ? "ok" : "standby",
                registry,
                host,
                port);
        leased.forEach(LeasedRole::start);
        return process;
    }
}
