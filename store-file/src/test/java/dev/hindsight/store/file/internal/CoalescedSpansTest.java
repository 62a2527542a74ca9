package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which needed blocks of an archived segment one ranged read fetches together. */
class CoalescedSpansTest {
    /** Blocks of 10,000 bytes each, back to back from offset 64. */
    private static CompressedSegment.Table table(int blocks) {
        int[] start = new int[blocks];
        long[] offset = new long[blocks];
        int[] length = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            start[i] = 64 + i * 65_536;
            offset[i] = 64 + i * 10_000L;
            length[i] = 10_000;
        }
        return new CompressedSegment.Table(start, offset, length, new int[blocks], new boolean[blocks]);
    }

    private static BitSet blocks(int... i) {
        BitSet b = new BitSet();
        for (int x : i) {
            b.set(x);
        }
        return b;
    }

    private static List<List<Integer>> spans(BitSet needed, int maxGap, int maxSpan) {
        return CompressedSegment.spans(table(100), needed, maxGap, maxSpan).stream()
                .map(s -> List.of(s[0], s[1]))
                .toList();
    }

    @Test
    void neighboursWithinTheGap_shareOneRead_othersGetTheirOwn() {
        // gaps: 1→3 is 10,000 bytes, 3→4 none, 4→40 350,000
        assertThat(spans(blocks(1, 3, 4, 40), 256 * 1024, 2 << 20)).isEqualTo(List.of(List.of(1, 4), List.of(40, 40)));
    }

    @Test
    void aReadStopsGrowingAtTheSpanLimit() {
        // 0..9 would be 100,000 bytes; 30,000 at most: 0..2, 3..5, 6..8, 9
        BitSet all = new BitSet();
        all.set(0, 10);
        assertThat(spans(all, 256 * 1024, 30_000))
                .isEqualTo(List.of(List.of(0, 2), List.of(3, 5), List.of(6, 8), List.of(9, 9)));
    }

    @Test
    void aNegativeGap_meansOneReadPerBlock() {
        assertThat(spans(blocks(1, 2, 3), -1, 2 << 20)).isEqualTo(List.of(List.of(1, 1), List.of(2, 2), List.of(3, 3)));
    }

    @Test
    void noBlocks_noReads() {
        assertThat(spans(new BitSet(), 256 * 1024, 2 << 20)).isEmpty();
    }
}
