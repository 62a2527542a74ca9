package dev.hindsight.projection;

import org.jspecify.annotations.Nullable;

/**
 * A projection's health.
 *
 * @param name the projection
 * @param state {@code running}; {@code building} while a first build from position 0 has not caught up (queries see
 *     what it has done so far); {@code rebuilding}; {@code failed} or {@code stopped}
 * @param mode {@code async} (applied by its runner from the log) or {@code inline} (also applied in each append's
 *     transaction, {@link ProjectionOptions#inline()})
 * @param generation the generation of its live tables
 * @param position cursor after the last processed event (wire form)
 * @param head the store's head (wire form)
 * @param lagEvents events between position and head
 * @param lagMillis age of the oldest unprocessed event (0 when caught up)
 * @param eventsPerSecond recent processing rate
 * @param deadLetters events in the dead-letter list
 * @param lastError the last handler error, if any
 * @param failedPosition where it stopped, when failed
 * @param rebuildPosition progress of a running rebuild
 */
public record ProjectionStatus(
        String name,
        String state,
        String mode,
        long generation,
        String position,
        String head,
        long lagEvents,
        long lagMillis,
        double eventsPerSecond,
        long deadLetters,
        @Nullable String lastError,
        @Nullable String failedPosition,
        @Nullable String rebuildPosition) {}
