package dev.hindsight.cli;

import dev.hindsight.cli.Roles.Role;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.store.kafka.KafkaEventLog;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The seed's split services over the Kafka engine ({@code serve --store kafka --role …} with {@code --pg-url}): the
 * events in the topic, snapshots and the read model in PostgreSQL, exactly as the PostgreSQL engine's roles share
 * them (ADR 0014). The {@code api} process owns partitions and appends; a process without it opens the topic
 * read-only ({@link KafkaEventLog#openReader}) and never joins the ownership group; its {@code read-model} role
 * splits the partitions with the other read-model processes ({@link PartitionedReadModel}). With a master key the subject keys
 * live in the same schema ({@code subject_keys}), so every process decrypts and forgets with the same keys. Stateless.
 */
final class KafkaRoles {
    private KafkaRoles() {}

    /** Whether {@code serve} runs split roles over Kafka, with snapshots and read model in PostgreSQL. */
    static boolean split(ServeCommand.StoreKind store, Roles roles) {
        return store == ServeCommand.StoreKind.kafka && !roles.all();
    }

    /**
     * The order system of an {@code api} process over Kafka: snapshots and read model in PostgreSQL; queries follow
     * the read model that the {@code read-model} processes keep; commands write snapshots only with the
     * {@code snapshots} role. With the {@code read-model} role too, this process is one more member of the group that
     * splits the topic's partitions ({@link PartitionedReadModel}): it applies the partitions the group gives it, never
     * the whole log, so it runs safely beside separate {@code read-model} processes; both order systems share one
     * read-model pool, and only the api's registers the order meters. Its close stops that member, then closes the
     * read-model pool and the database pool.
     *
     * @param log the topic under {@code store}
     */
    static OrderSystem apiOrders(
            EventStore store, KafkaEventLog log, RoleDatabase database, Roles roles, PrometheusMeterRegistry registry) {
        OrdersWiring.SharedReadModel readModel = null;
        PartitionedReadModel split = null;
        try {
            if (roles.has(Role.READ_MODEL)) {
                // one read model (one pool, one set of readers) for both order systems of this process
                readModel = OrdersWiring.openReadModel(database.dataSource(), database.options());
                // first: it creates the projection's generation that the follower below reads
                split = PartitionedReadModel.startBeside(
                        store, log, database.dataSource(), database.options(), readModel, registry);
            }
            PartitionedReadModel member = split;
            OrdersWiring.SharedReadModel shared = readModel;
            return OrdersWiring.postgres(
                    store,
                    database.dataSource(),
                    database.options(),
                    true,
                    roles.has(Role.SNAPSHOTS),
                    readModel,
                    registry,
                    () -> {
                        if (member != null) {
                            member.close();
                        }
                        if (shared != null) {
                            shared.close();
                        }
                        database.close();
                    });
        } catch (RuntimeException e) {
            if (split != null) {
                split.close();
            }
            if (readModel != null) {
                readModel.close();
            }
            database.close();
            throw e;
        }
    }

    /**
     * The shredder of a Kafka process whose store has a PostgreSQL database ({@code --pg-url}): subject keys in the
     * {@code subject_keys} table of {@code database}'s schema, shared by every node and role of the store; null without
     * a master key. Call {@link ShreddingOptions#refuseLocalKeys} before opening {@code database}.
     */
    static @Nullable Shredder shredder(ShreddingOptions shredding, RoleDatabase database) {
        return shredding.shredder(
                null, database.dataSource(), database.options().schema());
    }

    /**
     * A worker process ({@code read-model}, {@code snapshots}) over the read-only log {@code log}, closed with it and
     * then {@code database}; its event store decrypts with {@code shredder} (null: shredding off).
     *
     * @throws CliException if the port cannot be bound
     */
    static WorkerProcess startWorker(
            Roles roles,
            KafkaEventLog log,
            @Nullable Shredder shredder,
            RoleDatabase database,
            PrometheusMeterRegistry registry,
            String host,
            int port) {
        EventStore store = EventStore.builder(log).shredder(shredder).build();
        return WorkerRoles.start(
                roles,
                store,
                database.dataSource(),
                database.options(),
                List.of(store, database),
                registry,
                host,
                port,
                LeasedRole.CHECK,
                log);
    }
}
