package dev.hindsight.core.spi;

import dev.hindsight.core.Position;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An engine that can delete expired events (ADR 0017). Deleted events disappear from every read: the global log skips
 * their positions (a gap; cursors move past it), an aggregate read returns the remaining events with their original
 * versions. The engine never deletes an aggregate's last event, so the aggregate's version (optimistic concurrency)
 * and its last timestamp stay, nor an event after {@code appliedUpTo}. Thread-safe; runs may overlap appends.
 */
public interface RetentionSupport {

    /** Receives an engine's deletions as they become durable. */
    @FunctionalInterface
    interface Deletions {
        /** {@code events > 0} events that {@code rule} expired are deleted for good. */
        void deleted(RetentionRule rule, long events);
    }

    /**
     * Deletes the events that {@code policy}'s delete rules expire at {@code now}, at or before {@code appliedUpTo},
     * telling {@code deletions} (on the calling thread) as each part of the work becomes durable, so that a run that
     * fails part-way still accounts for what it deleted. A rule may be reported several times; the counts add up.
     *
     * @throws dev.hindsight.core.InvalidRequestException if the policy asks for something this engine cannot do
     * @throws dev.hindsight.core.StoreUnavailableException on I/O or database errors (what was reported stays deleted)
     */
    void deleteExpired(RetentionPolicy policy, Instant now, Position appliedUpTo, Deletions deletions);

    /**
     * As {@link #deleteExpired(RetentionPolicy, Instant, Position, Deletions)}, returning the counts at the end (a
     * failure part-way throws, and what was deleted before it is not counted anywhere: runs that record counts use the
     * other form).
     *
     * @return per delete rule that deleted something, the number of events it deleted
     */
    default Map<RetentionRule, Long> deleteExpired(RetentionPolicy policy, Instant now, Position appliedUpTo) {
        Map<RetentionRule, Long> counts = new LinkedHashMap<>();
        deleteExpired(policy, now, appliedUpTo, (rule, n) -> counts.merge(rule, n, Long::sum));
        return counts;
    }
}
