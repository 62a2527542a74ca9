package dev.hindsight.core.spi;

import dev.hindsight.core.Position;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import java.time.Instant;
import java.util.Map;

/**
 * An engine that can delete expired events (ADR 0017). Deleted events disappear from every read: the global log skips
 * their positions (a gap; cursors move past it), an aggregate read returns the remaining events with their original
 * versions. The engine never deletes an aggregate's last event, so the aggregate's version (optimistic concurrency)
 * and its last timestamp stay, nor an event after {@code appliedUpTo}. Thread-safe; runs may overlap appends.
 */
public interface RetentionSupport {

    /**
     * Deletes the events that {@code policy}'s delete rules expire at {@code now}, at or before {@code appliedUpTo}.
     *
     * @return per delete rule that deleted something, the number of events it deleted
     * @throws dev.hindsight.core.InvalidRequestException if the policy asks for something this engine cannot do
     * @throws dev.hindsight.core.StoreUnavailableException on I/O or database errors (what was deleted stays deleted)
     */
    Map<RetentionRule, Long> deleteExpired(RetentionPolicy policy, Instant now, Position appliedUpTo);
}
