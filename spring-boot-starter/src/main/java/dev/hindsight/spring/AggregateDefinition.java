package dev.hindsight.spring;

import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.StateCodec;
import java.util.Objects;

/**
 * One aggregate type, declared as a bean: its {@link Decider}, the registry of its event types and the codec of its
 * state (for snapshots). The starter makes an {@code AggregateRepository} for each, found through
 * {@link AggregateRepositories}.
 *
 * @param name unique among the definitions, e.g. {@code account}
 */
public record AggregateDefinition<C, S, E>(
        String name, Decider<C, S, E> decider, EventTypeRegistry<E> events, StateCodec<S> state) {
    public AggregateDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(decider, "decider");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(state, "state");
    }
}
