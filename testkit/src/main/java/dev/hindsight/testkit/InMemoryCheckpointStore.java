package dev.hindsight.testkit;

import dev.hindsight.core.Position;
import dev.hindsight.core.spi.CheckpointStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Checkpoints in a map, for tests of subscribers (relay, snapshot services) that need no durable store. */
public final class InMemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Position> saved = new ConcurrentHashMap<>();

    @Override
    public Optional<Position> load(String name) {
        return Optional.ofNullable(saved.get(name));
    }

    @Override
    public void save(String name, Position position) {
        saved.put(name, position);
    }

    @Override
    public Map<String, Position> all() {
        return Map.copyOf(saved);
    }

    @Override
    public void close() {}
}
