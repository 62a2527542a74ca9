package dev.hindsight.spring;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.SnapshotStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The repositories of every {@link AggregateDefinition} bean, by definition. Thread-safe (immutable after start).
 */
public final class AggregateRepositories implements AutoCloseable {
    private final Map<String, AggregateRepository<?, ?, ?>> byName = new LinkedHashMap<>();

    AggregateRepositories(
            EventStore store, SnapshotStore snapshots, long snapshotEvery, List<AggregateDefinition<?, ?, ?>> defs) {
        for (AggregateDefinition<?, ?, ?> d : defs) {
            if (byName.containsKey(d.name())) {
                throw new IllegalStateException("two AggregateDefinition beans are named '" + d.name() + "'");
            }
            byName.put(d.name(), build(store, snapshots, snapshotEvery, d));
        }
    }

    private static <C, S, E> AggregateRepository<C, S, E> build(
            EventStore store, SnapshotStore snapshots, long snapshotEvery, AggregateDefinition<C, S, E> d) {
        return AggregateRepository.builder(store, d.decider(), d.events(), d.state())
                .snapshots(
                        snapshotEvery > 0 ? snapshots : null,
                        snapshotEvery > 0 ? SnapshotPolicy.everyNEvents(snapshotEvery) : SnapshotPolicy.never())
                .build();
    }

    /**
     * The repository of {@code definition}.
     *
     * @throws IllegalArgumentException if it is not one of the definition beans
     */
    @SuppressWarnings("unchecked")
    public <C, S, E> AggregateRepository<C, S, E> of(AggregateDefinition<C, S, E> definition) {
        AggregateRepository<?, ?, ?> r = byName.get(definition.name());
        if (r == null) {
            throw new IllegalArgumentException("no AggregateDefinition bean named '" + definition.name() + "'");
        }
        return (AggregateRepository<C, S, E>) r;
    }

    /** The names of the definitions, in bean order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    @Override
    public void close() {
        byName.values().forEach(AggregateRepository::close);
    }
}
