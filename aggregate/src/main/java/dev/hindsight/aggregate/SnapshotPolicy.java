package dev.hindsight.aggregate;

import dev.hindsight.core.EventData;
import java.util.List;
import java.util.Set;

/**
 * When to snapshot after a command appended events. Pure and thread-safe.
 */
@FunctionalInterface
public interface SnapshotPolicy {

    /**
     * Whether to snapshot the state at {@code versionAfter}.
     *
     * @param versionBefore the aggregate's version before the append
     * @param versionAfter its version after
     * @param appended the appended events
     */
    boolean shouldSnapshot(long versionBefore, long versionAfter, List<EventData> appended);

    /** Snapshot whenever the version crosses a multiple of {@code n}. */
    static SnapshotPolicy everyNEvents(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        return (before, after, appended) -> after / n > before / n;
    }

    /** Snapshot after any of {@code eventTypes} is appended. */
    static SnapshotPolicy onEventTypes(Set<String> eventTypes) {
        Set<String> types = Set.copyOf(eventTypes);
        return (before, after, appended) -> appended.stream().anyMatch(e -> types.contains(e.eventType()));
    }

    /** Never snapshot. */
    static SnapshotPolicy never() {
        return (before, after, appended) -> false;
    }

    /** The default: every 100 events. */
    static SnapshotPolicy defaultPolicy() {
        return everyNEvents(100);
    }

    /** Snapshot when this or {@code other} says so. */
    default SnapshotPolicy or(SnapshotPolicy other) {
        return (before, after, appended) ->
                shouldSnapshot(before, after, appended) || other.shouldSnapshot(before, after, appended);
    }
}
