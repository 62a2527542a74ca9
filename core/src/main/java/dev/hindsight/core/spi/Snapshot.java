package dev.hindsight.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored aggregate state: the state after event {@code version}.
 *
 * @param aggregateId the aggregate
 * @param version the version it was taken at (state after that event), ≥ 1
 * @param timestamp {@code metadata.timestamp} of event {@code version}, for as-of loads
 * @param stateSchema fingerprint of the state's shape (state type + declared state version); a snapshot whose
 *     fingerprint differs from the running code's is never deserialized
 * @param state the state as JSON text
 */
public record Snapshot(String aggregateId, long version, Instant timestamp, String stateSchema, String state) {
    public Snapshot {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(stateSchema, "stateSchema");
        Objects.requireNonNull(state, "state");
        if (version < 1) {
            throw new IllegalArgumentException("snapshot version must be >= 1");
        }
    }
}
