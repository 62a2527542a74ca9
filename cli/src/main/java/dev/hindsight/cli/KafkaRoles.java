package dev.hindsight.cli;

import dev.hindsight.cli.Roles.Role;
import dev.hindsight.core.EventStore;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * The seed's split services over the Kafka engine ({@code serve --store kafka --role …} with {@code --pg-url}): the
 * events in the topic, snapshots and the read model in PostgreSQL, exactly as the PostgreSQL engine's roles share
 * them (ADR 0014). The {@code api} process owns partitions and appends; a process without it opens the topic
 * read-only ({@link KafkaEventLog#openReader}) and never joins the ownership group. Stateless.
 */
final class KafkaRoles {
    private KafkaRoles() {}

    /** Whether {@code serve} runs split roles over Kafka, with snapshots and read model in PostgreSQL. */
    static boolean split(ServeCommand.StoreKind store, Roles roles) {
        return store == ServeCommand.StoreKind.kafka && !roles.all();
    }

    /**
     * The order system of an {@code api} process over Kafka: snapshots and read model in PostgreSQL; queries follow
     * the read-model process unless this process also has the {@code read-model} role; commands write snapshots only
     * with the {@code snapshots} role. Its close closes the database pool.
     */
    static OrderSystem apiOrders(
            EventStore store, PostgresOptions options, Roles roles, PrometheusMeterRegistry registry) {
        RoleDatabase database = RoleDatabase.open(options);
        try {
            return OrdersWiring.postgres(
                    store,
                    database.dataSource(),
                    database.options(),
                    !roles.has(Role.READ_MODEL),
                    roles.has(Role.SNAPSHOTS),
                    registry,
                    database::close);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * A worker process ({@code read-model}, {@code snapshots}) over the read-only log {@code log}, closed with it.
     *
     * @throws CliException if PostgreSQL cannot be reached or the port bound
     */
    static WorkerProcess startWorker(
            Roles roles,
            KafkaEventLog log,
            PostgresOptions options,
            PrometheusMeterRegistry registry,
            String host,
            int port) {
        EventStore store = EventStore.of(log);
        RoleDatabase database;
        try {
            database = RoleDatabase.open(options);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return WorkerRoles.start(
                roles,
                store,
                database.dataSource(),
                database.options(),
                List.of(store, database),
                registry,
                host,
                port,
                LeasedRole.CHECK);
    }
}
