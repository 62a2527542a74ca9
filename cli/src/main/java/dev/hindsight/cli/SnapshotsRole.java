package dev.hindsight.cli;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderSnapshotService;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code serve --role snapshots} (events in PostgreSQL or Kafka, snapshots in PostgreSQL): the order snapshot service ({@link OrderSnapshotService}) with its
 * snapshots in the store's {@code snapshots} table and its checkpoint in the store's {@code checkpoints} table.
 * Stateless.
 */
final class SnapshotsRole {
    private SnapshotsRole() {}

    /** Starts the service; returns what to close, in order. */
    static List<AutoCloseable> start(
            EventStore store, DataSource database, PostgresOptions options, MeterRegistry registry) {
        // the log (or RoleDatabase) has just migrated the schema
        PostgresOptions migrated = options.withMigrate(false);
        PostgresSnapshotStore snapshots = PostgresSnapshotStore.open(database, migrated, SnapshotRetention.DEFAULT);
        PostgresCheckpointStore checkpoints = PostgresCheckpointStore.open(database, migrated);
        OrderSnapshotService service = OrderSnapshotService.start(store, snapshots, checkpoints, Clock.systemUTC());
        FunctionCounter.builder("hindsight.orders.snapshot.service.written", service, OrderSnapshotService::written)
                .description("Order snapshots the snapshot service saved since this process started")
                .register(registry);
        return List.of(service, snapshots, checkpoints);
    }
}
