package dev.hindsight.aggregate;

import dev.hindsight.core.Position;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Outcome of a handled command.
 *
 * @param aggregateId the aggregate
 * @param state the state after the command
 * @param version the version after the command
 * @param position global position of the last appended event; {@code null} when the command appended nothing and the
 *     aggregate has no events
 * @param events the events the command produced (empty: nothing was appended)
 * @param attempts how many times it was decided (1 + conflict retries; a decision on a cached state that the store
 *     then refused, see {@link AggregateRepository}, is not counted)
 */
public record CommandResult<S, E>(
        String aggregateId, S state, long version, @Nullable Position position, List<E> events, int attempts) {
    public CommandResult {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(state, "state");
        events = List.copyOf(events);
    }
}
