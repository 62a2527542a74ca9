package dev.hindsight.core;

import java.util.Objects;
import java.util.Set;

/**
 * Filter on the global log.
 *
 * @param eventTypes event types to keep; empty keeps all
 * @param aggregatePrefix keep events whose aggregate id starts with this; empty keeps all
 */
public record EventFilter(Set<String> eventTypes, String aggregatePrefix) {

    public static final EventFilter ALL = new EventFilter(Set.of(), "");

    public EventFilter {
        eventTypes = Set.copyOf(eventTypes);
        Objects.requireNonNull(aggregatePrefix, "aggregatePrefix");
    }

    public boolean isAll() {
        return eventTypes.isEmpty() && aggregatePrefix.isEmpty();
    }

    public boolean test(String aggregateId, String eventType) {
        return (eventTypes.isEmpty() || eventTypes.contains(eventType)) && aggregateId.startsWith(aggregatePrefix);
    }

    public boolean test(RecordedEvent e) {
        return test(e.aggregateId(), e.eventType());
    }
}
