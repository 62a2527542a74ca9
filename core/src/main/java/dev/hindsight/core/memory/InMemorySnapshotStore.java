package dev.hindsight.core.memory;

import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Snapshots in memory, kept per a {@link SnapshotRetention}. Thread-safe. */
public final class InMemorySnapshotStore implements SnapshotStore {
    private final SnapshotRetention retention;
    private final Map<String, List<Snapshot>> byAggregate = new ConcurrentHashMap<>();

    public InMemorySnapshotStore(SnapshotRetention retention) {
        this.retention = retention;
    }

    /** Keeps the newest {@code keep} and no anchors. */
    public InMemorySnapshotStore(int keep) {
        this(new SnapshotRetention(keep, 0));
    }

    @Override
    public void save(Snapshot snapshot) {
        byAggregate.compute(snapshot.aggregateId(), (k, old) -> {
            List<Snapshot> list = new ArrayList<>(old == null ? List.of() : old);
            list.removeIf(s -> s.version() == snapshot.version());
            list.add(snapshot);
            list.sort((a, b) -> Long.compare(b.version(), a.version()));
            return List.copyOf(retention.retain(list, Snapshot::version));
        });
    }

    @Override
    public List<Snapshot> snapshots(String aggregateId) {
        return byAggregate.getOrDefault(aggregateId, List.of());
    }

    @Override
    public void close() {
        byAggregate.clear();
    }
}
