package dev.hindsight.core;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An event as stored: immutable.
 *
 * @param eventId unique id (idempotency key)
 * @param aggregateId the aggregate (stream) it belongs to
 * @param eventType its type name
 * @param schemaVersion payload shape version
 * @param eventData JSON object text
 * @param metadata JSON object text, always with {@code timestamp}
 * @param version 1-based place within the aggregate
 * @param position place in the global log
 * @param timestamp {@code metadata.timestamp}: business time, never decreasing within an aggregate
 * @param recordedAt when the store committed it
 */
public record RecordedEvent(
        UUID eventId,
        String aggregateId,
        String eventType,
        int schemaVersion,
        String eventData,
        String metadata,
        long version,
        Position position,
        Instant timestamp,
        Instant recordedAt) {

    public RecordedEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(eventData, "eventData");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(recordedAt, "recordedAt");
    }

    /** Whether this is the same fact as {@code e} (id, aggregate, type, schema, data and metadata). */
    public boolean sameContentAs(ProposedContent e) {
        return eventId.equals(e.eventId())
                && aggregateId.equals(e.aggregateId())
                && eventType.equals(e.eventType())
                && schemaVersion == e.schemaVersion()
                && eventData.equals(e.eventData());
    }

    /** The identifying content of an event about to be appended, for idempotency checks. */
    public interface ProposedContent {
        UUID eventId();

        String aggregateId();

        String eventType();

        int schemaVersion();

        String eventData();
    }
}
