package dev.hindsight.core;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An event to append, before the store gives it a version and a position.
 *
 * @param eventId idempotency key; {@code null} lets the store generate one
 * @param eventType 1–100 chars of {@code [A-Za-z0-9_.-]}
 * @param schemaVersion payload shape version, ≥ 1 (for upcasting)
 * @param eventData JSON object text
 * @param metadata JSON object text, or {@code null}; the store adds {@code timestamp} when absent
 */
public record EventData(
        @Nullable UUID eventId,
        String eventType,
        int schemaVersion,
        String eventData,
        @Nullable String metadata) {

    public EventData {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(eventData, "eventData");
    }

    public static EventData of(String eventType, String eventDataJson) {
        return new EventData(null, eventType, 1, eventDataJson, null);
    }

    public EventData withId(UUID id) {
        return new EventData(id, eventType, schemaVersion, eventData, metadata);
    }

    public EventData withMetadata(@Nullable String metadataJson) {
        return new EventData(eventId, eventType, schemaVersion, eventData, metadataJson);
    }
}
