package dev.hindsight.core.spi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Which snapshots of one aggregate to keep: the newest {@code keep}, plus one anchor per {@code anchorEvery} versions
 * (the lowest snapshot version in each bucket {@code [k·anchorEvery, (k+1)·anchorEvery)}), so time travel to any
 * point replays at most about {@code anchorEvery} events even in long aggregates. Stateless, thread-safe.
 *
 * @param keep newest snapshots kept, ≥ 1
 * @param anchorEvery bucket width for anchors; 0 disables anchors
 */
public record SnapshotRetention(int keep, long anchorEvery) {
    /**
     * Newest 5, plus one per 100 versions: with the default policy (a snapshot every 100 events) every snapshot
     * becomes an anchor as it ages, so a time-travel load replays at most ~100 events.
     */
    public static final SnapshotRetention DEFAULT = new SnapshotRetention(5, 100);

    public SnapshotRetention {
        if (keep < 1 || anchorEvery < 0) {
            throw new IllegalArgumentException("keep must be >= 1 and anchorEvery >= 0");
        }
    }

    /**
     * Applies the rule.
     *
     * @param newestFirst candidates sorted by version, highest first, versions unique
     * @return the kept ones, still newest first
     */
    public <T> List<T> retain(List<T> newestFirst, ToLongFunction<T> version) {
        if (newestFirst.size() <= keep) {
            return newestFirst;
        }
        Set<Long> buckets = new HashSet<>();
        List<T> anchors = new ArrayList<>();
        if (anchorEvery > 0) {
            for (int i = newestFirst.size() - 1; i >= keep; i--) {
                T t = newestFirst.get(i);
                if (buckets.add(version.applyAsLong(t) / anchorEvery)) {
                    anchors.add(t);
                }
            }
        }
        List<T> out = new ArrayList<>(newestFirst.subList(0, keep));
        for (int i = anchors.size() - 1; i >= 0; i--) {
            out.add(anchors.get(i));
        }
        return out;
    }
}
