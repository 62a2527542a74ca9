package dev.hindsight.core.spi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Which snapshots of one aggregate to keep: the newest {@code keep}, plus one anchor per {@code anchorEvery} versions
 * (the lowest snapshot version in each bucket {@code [k·anchorEvery, (k+1)·anchorEvery)}, {@code k ≥ 1}), so time
 * travel to any point replays fewer than {@code 2·anchorEvery} events (about {@code anchorEvery} with snapshots every
 * {@code anchorEvery} versions) even in long aggregates. The first bucket has no anchor: a replay from the initial
 * state to a version below {@code anchorEvery} is already within that bound, and short aggregates (most orders have
 * ~10 events) keep only their newest snapshots (ADR 0011). Stateless, thread-safe.
 *
 * @param keep newest snapshots kept, ≥ 1
 * @param anchorEvery bucket width for anchors; 0 disables anchors
 */
public record SnapshotRetention(int keep, long anchorEvery) {
    /**
     * The newest, plus one per 100 versions from version 100 on: with the default policy (a snapshot every 100
     * events) every snapshot becomes an anchor as it ages, so a time-travel load replays at most ~100 events; an
     * aggregate shorter than 100 versions keeps one snapshot (ADR 0011; until then the newest 5 were kept).
     */
    public static final SnapshotRetention DEFAULT = new SnapshotRetention(1, 100);

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
                long bucket = version.applyAsLong(t) / anchorEvery;
                if (bucket > 0 && buckets.add(bucket)) {
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
