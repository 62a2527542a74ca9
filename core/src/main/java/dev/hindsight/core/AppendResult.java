package dev.hindsight.core;

import java.util.Objects;

/**
 * Outcome of a successful (or idempotently repeated) append.
 *
 * @param aggregateId the aggregate
 * @param firstVersion version of the first appended event
 * @param lastVersion version of the last appended event: the aggregate's version after the append
 * @param position global position of the last appended event (pass it as {@code min_position} to read your writes)
 */
public record AppendResult(String aggregateId, long firstVersion, long lastVersion, Position position) {
    public AppendResult {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(position, "position");
    }
}
