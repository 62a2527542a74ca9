package dev.hindsight.aggregate;

import java.util.Objects;

/**
 * An event type at one schema version.
 *
 * @param eventType the {@code event_type}
 * @param schemaVersion the {@code schema_version}, ≥ 1
 */
public record EventKey(String eventType, int schemaVersion) {
    public EventKey {
        Objects.requireNonNull(eventType, "eventType");
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1");
        }
    }

    @Override
    public String toString() {
        return eventType + "@v" + schemaVersion;
    }
}
