package dev.hindsight.store.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecordCacheTest {
    private static RecordedEvent event(long offset) {
        return new RecordedEvent(
                UUID.randomUUID(),
                "agg",
                "T",
                1,
                "{}",
                "{}",
                offset + 1,
                Position.of(offset + 1),
                Instant.EPOCH,
                Instant.ofEpochMilli(offset));
    }

    private static List<Long> offsets(List<RecordCache.Buffered> out) {
        return out.stream().map(RecordCache.Buffered::offset).toList();
    }

    @Test
    void tail_holdsEveryEventFromItsStart_skipsMarkerGaps_andIgnoresSecondCopies() {
        RecordCache cache = new RecordCache(16, new long[] {10}, 8);
        for (long o :
                new long[] {10, 11, 13, 14, 11, 14}) { // 12: a marker; 11 and 14 come again (indexer after writer)
            cache.put(0, o, event(o), 1000 + o);
        }
        List<RecordCache.Buffered> out = new ArrayList<>();
        assertThat(cache.tail(0, 10, 15, 100, out)).isTrue();
        assertThat(offsets(out)).containsExactly(10L, 11L, 13L, 14L);
        assertThat(out.getFirst().timestamp()).isEqualTo(1010);
        out.clear();
        assertThat(cache.tail(0, 12, 14, 100, out)).isTrue();
        assertThat(offsets(out)).containsExactly(13L);
        out.clear();
        assertThat(cache.tail(0, 9, 15, 100, out))
                .as("before the start: not held")
                .isFalse();
        assertThat(out).isEmpty();
        out.clear();
        assertThat(cache.tail(0, 10, 15, 1, out)).isTrue();
        assertThat(offsets(out)).as("max + 1, to tell there is more").containsExactly(10L, 11L);
    }

    @Test
    void tail_evictingTheOldest_movesWhereItIsWhole() {
        RecordCache cache = new RecordCache(1, new long[] {0}, 3);
        for (long o = 0; o < 5; o++) {
            cache.put(0, o, event(o), o);
        }
        List<RecordCache.Buffered> out = new ArrayList<>();
        assertThat(cache.tail(0, 1, 5, 100, out)).isFalse();
        assertThat(cache.tail(0, 2, 5, 100, out)).isTrue();
        assertThat(offsets(out)).containsExactly(2L, 3L, 4L);
        assertThat(cache.get(0, 3)).as("the LRU holds one, the tail the rest").isNotNull();
        assertThat(cache.get(0, 1)).isNull();
    }

    @Test
    void noTail_neverAnswers() {
        RecordCache cache = new RecordCache(4, new long[] {0, 0}, 0);
        cache.put(1, 0, event(0), 0);
        assertThat(cache.tail(1, 0, 1, 10, new ArrayList<>())).isFalse();
        assertThat(cache.get(1, 0)).isNotNull();
    }
}
