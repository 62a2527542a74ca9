package dev.hindsight.core;

import java.util.List;
import java.util.Objects;

/**
 * One append of a batch given to {@link EventStore#appendAll}: events for one aggregate with their own expected
 * version, atomic on their own.
 *
 * @param aggregateId the aggregate
 * @param expected the version the aggregate must be at
 * @param events one or more events
 */
public record Append(String aggregateId, ExpectedVersion expected, List<EventData> events) {
    public Append {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(expected, "expected");
        events = List.copyOf(events);
    }
}
