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
        assertThat(kept).containsExactly(3500L, 3400L, 3300L, 3000L, 2000L, 1000L, 100L);
    }

    @Test
    void retain_withoutAnchors_keepsOnlyNewest() {
        assertThat(new SnapshotRetention(2, 0).retain(newestFirst(10, 100, 10), v -> v))
                .containsExactly(100L, 90L);
    }
}
