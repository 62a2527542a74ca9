package dev.hindsight.core.memory;

import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Snapshots in memory, newest {@code keep} per aggregate. Thread-safe. */
public final class InMemorySnapshotStore implements SnapshotStore {
    private final int keep;
    private final Map<String, List<Snapshot>> byAggregate = new ConcurrentHashMap<>();

    public InMemorySnapshotStore(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1");
        }
        this.keep = keep;
    }

    @Override
    public void save(Snapshot snapshot) {
        byAggregate.compute(snapshot.aggregateId(), (k, old) -> {
            List<Snapshot> list = new ArrayList<>(old == null ? List.of() : old);
            list.removeIf(s -> s.version() == snapshot.version());
            list.add(snapshot);
            list.sort((a, b) -> Long.compare(b.version(), a.version()));
            while (list.size() > keep) {
                list.removeLast();
            }
            return List.copyOf(list);
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
