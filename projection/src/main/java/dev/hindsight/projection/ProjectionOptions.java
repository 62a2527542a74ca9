package dev.hindsight.projection;

import java.time.Duration;

/**
 * How a projection runs.
 *
 * @param batchSize most events per transaction when live (default 500)
 * @param rebuildBatchSize most events per transaction when rebuilding or verifying (default 5,000)
 * @param maxAttempts attempts at an event whose handler throws before giving up on it (default 5)
 * @param retryBackoff delay before the first retry; doubles each attempt, capped at 30 s (default 100 ms)
 * @param deadLetter on giving up: {@code false} marks the projection failed and stops it (default); {@code true} puts
 *     the event in the projection's dead-letter list and parks its aggregate — later events of that aggregate join the
 *     list in order, other aggregates proceed
 * @param inline also apply events inside the append's transaction, through {@link ProjectionEngine#applyInline}
 *     (PostgreSQL read model in the event store's database only; default {@code false})
 */
public record ProjectionOptions(
        int batchSize,
        int rebuildBatchSize,
        int maxAttempts,
        Duration retryBackoff,
        boolean deadLetter,
        boolean inline) {
    public static final ProjectionOptions DEFAULT = new ProjectionOptions(500, 5000, 5, Duration.ofMillis(100), false);

    public ProjectionOptions {
        if (batchSize < 1 || rebuildBatchSize < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("sizes and attempts must be >= 1");
        }
    }

    /** Options of a projection that is not inline. */
    public ProjectionOptions(
            int batchSize, int rebuildBatchSize, int maxAttempts, Duration retryBackoff, boolean deadLetter) {
        this(batchSize, rebuildBatchSize, maxAttempts, retryBackoff, deadLetter, false);
    }

    public ProjectionOptions withDeadLetter(boolean on) {
        return new ProjectionOptions(batchSize, rebuildBatchSize, maxAttempts, retryBackoff, on, inline);
    }

    public ProjectionOptions withRetry(int attempts, Duration backoff) {
        return new ProjectionOptions(batchSize, rebuildBatchSize, attempts, backoff, deadLetter, inline);
    }

    /** Makes the projection inline (or not); see {@link ProjectionEngine#applyInline}. */
    public ProjectionOptions withInline(boolean on) {
        return new ProjectionOptions(batchSize, rebuildBatchSize, maxAttempts, retryBackoff, deadLetter, on);
    }
}
