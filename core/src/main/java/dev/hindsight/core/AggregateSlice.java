package dev.hindsight.core;

import java.util.List;
import java.util.Objects;

/**
 * A page of one aggregate's events.
 *
 * @param aggregateId the aggregate
 * @param version the aggregate's current version (or, for as-of reads, its version at that instant)
 * @param events the page, in the requested direction
 */
public record AggregateSlice(String aggregateId, long version, List<RecordedEvent> events) {
    public AggregateSlice {
        Objects.requireNonNull(aggregateId, "aggregateId");
        events = List.copyOf(events);
    }
}
