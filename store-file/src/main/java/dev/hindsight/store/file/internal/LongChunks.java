package dev.hindsight.store.file.internal;

import java.util.Arrays;

/**
 * A growable array of longs in fixed-size chunks, so growth never copies the data. Single writer, many readers:
 * readers may read any index below a bound the writer published (through a volatile write) after setting it.
 */
final class LongChunks {
    private static final int SHIFT = 16;
    private static final int SIZE = 1 << SHIFT;
    private static final int MASK = SIZE - 1;

    private volatile long[][] chunks = new long[0][];

    long get(long index) {
        return chunks[(int) (index >>> SHIFT)][(int) (index & MASK)];
    }

    /** Sets {@code index}; writer only. */
    void set(long index, long value) {
        int c = (int) (index >>> SHIFT);
        long[][] cs = chunks;
        if (c >= cs.length) {
            cs = Arrays.copyOf(cs, c + 1);
            for (int i = 0; i < cs.length; i++) {
                if (cs[i] == null) {
                    cs[i] = new long[SIZE];
                }
            }
            chunks = cs;
        }
        cs[c][(int) (index & MASK)] = value;
    }
}
