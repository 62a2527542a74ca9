package dev.hindsight.loadgen;

import java.util.concurrent.atomic.LongAdder;

/**
 * The file engine's group commits during a phase (fed on its writer thread through
 * {@code FileEventLog.onCommit}): fsync latency and how many events each batch carried. Thread-safe.
 */
final class CommitStats {
    final LatencyHistogram fsync = new LatencyHistogram();
    private final LongAdder batches = new LongAdder();
    private final LongAdder events = new LongAdder();

    void committed(int batchEvents, long fsyncNanos) {
        batches.increment();
        events.add(batchEvents);
        if (fsyncNanos > 0) {
            fsync.recordNanos(fsyncNanos);
        }
    }

    long batches() {
        return batches.sum();
    }

    double eventsPerBatch() {
        long b = batches.sum();
        return b == 0 ? 0 : (double) events.sum() / b;
    }
}
