package dev.hindsight.cli;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.server.ServerPlugin;
import dev.hindsight.store.file.FileSnapshotStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Assembles the order system for {@code serve} on the embedded default: snapshots in {@code <data-dir>/snapshots},
 * the SQLite read model in {@code <data-dir>/readmodel.db}; with no data directory (the in-memory store) snapshots
 * stay in memory and the read model lives in a temporary directory removed on stop. Stateless.
 */
final class OrdersWiring {
    private OrdersWiring() {}

    /**
     * Builds and starts the order system (its read model catches up in the background) and returns its HTTP plugin;
     * the server's stop closes it.
     *
     * @param dataDir the store's data directory, or {@code null} for the in-memory store
     * @throws CliException if the snapshot store or read model cannot be opened
     */
    static ServerPlugin plugin(EventStore store, @Nullable Path dataDir, MeterRegistry registry) {
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
                    .onClose(() -> deleteQuietly(remove))
                    .build()
                    .bindMetrics(registry)
                    .start()
                    .plugin();
        } catch (IOException | RuntimeException e) {
            if (snapshots != null) {
                snapshots.close();
            }
            deleteQuietly(scratch);
            throw new CliException("cannot start the order system" + (dataDir == null ? "" : " in " + dataDir)
                    + ": " + e.getMessage());
        }
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
