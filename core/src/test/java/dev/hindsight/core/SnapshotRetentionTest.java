package dev.hindsight.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.spi.SnapshotRetention;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SnapshotRetentionTest {
    private static List<Long> newestFirst(long from, long to, long step) {
        return LongStream.iterate(to, v -> v >= from, v -> v - step).boxed().toList();
    }

    @Test
    void retain_fewerThanKeep_keepsAll() {
        assertThat(new SnapshotRetention(5, 1000).retain(List.of(30L, 20L, 10L), v -> v))
                .containsExactly(30L, 20L, 10L);
    }

    @Test
    void retain_longHistory_keepsNewestAndOneAnchorPerBucket() {
        List<Long> kept = new SnapshotRetention(3, 1000).retain(newestFirst(100, 3500, 100), v -> v);
        assertThat(kept).containsExactly(3500L, 3400L, 3300L, 3000L, 2000L, 1000L);
    }

    @Test
    void retain_shortAggregate_keepsNoFirstBucketAnchor() {
        // an order: snapshots every 10 events and on paid/shipped/delivered, ~10 events in all
        assertThat(SnapshotRetention.DEFAULT.retain(List.of(10L, 7L, 5L, 3L), v -> v))
                .containsExactly(10L);
    }

    @Test
    void retain_anyTarget_leavesFewerThanTwoBucketsToReplay() {
        SnapshotRetention r = new SnapshotRetention(1, 100);
        List<Long> kept = r.retain(newestFirst(7, 5000, 7), v -> v);
        for (long target = 0; target <= 5000; target++) {
            long t = target;
            long from = kept.stream().filter(v -> v <= t).findFirst().orElse(0L);
            assertThat(target - from).as("replay to %d", target).isLessThan(200);
        }
    }

    @Test
    void retain_withoutAnchors_keepsOnlyNewest() {
        assertThat(new SnapshotRetention(2, 0).retain(newestFirst(10, 100, 10), v -> v))
                .containsExactly(100L, 90L);
    }
}
