package dev.hindsight.projection.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the inline hook from overtaking a projection's runner within an aggregate. An append the hook does not apply
 * (the runner was not {@code running}: still building, failed, or a rebuild was switching generations) is left to the
 * runner, which applies it from the log later; a later append of the same aggregate must then not be applied inline
 * before the runner has applied that one, or the projection would see the aggregate's events out of order. So this
 * remembers, per aggregate, the last position left to the runner, and after a generation switch everything offered so
 * far (the new generation's runner applies what the hook wrote into the old one); the hook applies an append inline
 * only once the runner has passed both.
 *
 * <p>One per projection. Appends to one aggregate are serialized by the store (the PostgreSQL engine's aggregate lock
 * is held while the hook runs), so claims for one aggregate never race. Positions are the PostgreSQL engine's numbers.
 * Thread-safe.
 */
final class InlineHandover {
    /** Entries are pruned (those the runner has passed) when the map grows past this. */
    private static final int PRUNE_AT = 100_000;

    private final Map<String, Long> leftToRunner = new ConcurrentHashMap<>();
    private final AtomicLong offered = new AtomicLong();
    private volatile long floor;

    /**
     * Whether an append may be applied inline now; if not, it is recorded as left to the runner.
     *
     * @param aggregateId the append's aggregate
     * @param last the position of the append's last event
     * @param runnerLive whether the projection's live runner is {@code running}
     * @param runnerPosition the position the live runner has applied up to (ignored when not live)
     */
    boolean claim(String aggregateId, long last, boolean runnerLive, long runnerPosition) {
        offered.accumulateAndGet(last, Math::max);
        Long left = leftToRunner.get(aggregateId);
        if (runnerLive && runnerPosition >= floor && (left == null || runnerPosition >= left)) {
            if (left != null) {
                leftToRunner.remove(aggregateId, left);
            }
            return true;
        }
        leftToRunner.merge(aggregateId, last, Math::max);
        if (leftToRunner.size() > PRUNE_AT && runnerLive) {
            leftToRunner.values().removeIf(p -> p <= runnerPosition);
        }
        return false;
    }

    /**
     * The live runner starts (at engine start): appends committed up to {@code head} were not offered to this hook
     * (or were by a process that is gone), so nothing is applied inline until the runner has passed {@code head}.
     */
    void startAfter(long head) {
        floor = Math.max(floor, head);
    }

    /**
     * A new generation has gone live: it lacks what the hook applied to the old one, until its runner passes every
     * position offered so far.
     */
    void switched() {
        floor = Math.max(floor, offered.get());
    }
}
