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
 */
public record ProjectionOptions(int batchSize, int rebuildBatchSize, int maxAttempts, Duration retryBackoff,
        boolean deadLetter) {
    public static final ProjectionOptions DEFAULT = new ProjectionOptions(500, 5000, 5, Duration.ofMillis(100), false);

    public ProjectionOptions {
        if (batchSize < 1 || rebuildBatchSize < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("sizes and attempts must be >= 1");
        }
    }

    public ProjectionOptions withDeadLetter(boolean on) {
        return new ProjectionOptions(batchSize, rebuildBatchSize, maxAttempts, retryBackoff, on);
    }

    public ProjectionOptions withRetry(int attempts, Duration backoff) {
        return new ProjectionOptions(batchSize, rebuildBatchSize, attempts, backoff, deadLetter);
    }
}
