package dev.hindsight.core.spi;

import dev.hindsight.core.ExpectedVersion;
import java.util.List;
import java.util.Objects;

/**
 * One validated append of a batch handed to {@link EventLog#appendAll}.
 *
 * @param aggregateId the aggregate; every event's {@code aggregateId} equals it
 * @param expected the expected version
 * @param events one or more validated events
 */
public record ProposedAppend(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
    public ProposedAppend {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(events, "events");
    }
}
