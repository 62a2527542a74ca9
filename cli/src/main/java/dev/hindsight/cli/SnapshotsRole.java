package dev.hindsight.cli;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderSnapshotService;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        Timer lag = Timer.builder("hindsight.orders.snapshot.lag")
                .description("From an order event's commit to the snapshot the snapshot service saved after it")
                .publishPercentiles(0.5, 0.99) // a summary (quantile lines); with a histogram they would be dropped
                .register(registry);
        OrderSnapshotService service = OrderSnapshotService.start(
                store, snapshots, checkpoints, Clock.systemUTC(), micros -> lag.record(micros, TimeUnit.MICROSECONDS));
        FunctionCounter.builder("hindsight.orders.snapshot.service.written", service, OrderSnapshotService::written)
                .description("Order snapshots the snapshot service saved since this process started")
                .register(registry);
        return List.of(service, snapshots, checkpoints);
    }
}
