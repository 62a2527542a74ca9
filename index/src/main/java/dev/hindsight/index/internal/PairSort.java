package dev.hindsight.index.internal;

/**
 * Sorts parallel arrays of (key, value) pairs by unsigned key then value: an LSD radix sort on the key (8 passes of 8
 * bits, skipping passes where all keys share the byte), then the values of each group of equal keys. Not thread-safe.
 */
public final class PairSort {
    private PairSort() {}

    /** Sorts the first {@code n} pairs in place (stable, unsigned keys). */
    public static void sortByKey(long[] keys, long[] values, int n) {
        if (n < 2) {
            return;
        }
        long[] k = keys;
        long[] v = values;
        long[] k2 = new long[n];
        long[] v2 = new long[n];
        int[] count = new int[257];
        for (int shift = 0; shift < 64; shift += 8) {
            java.util.Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) {
                count[(int) ((k[i] >>> shift) & 0xFF) + 1]++;
            }
            if (count[1 + (int) ((k[0] >>> shift) & 0xFF)] == n) {
                continue; // every key has the same byte here: the pass would not move anything
            }
            for (int b = 0; b < 256; b++) {
                count[b + 1] += count[b];
            }
            for (int i = 0; i < n; i++) {
                int at = count[(int) ((k[i] >>> shift) & 0xFF)]++;
                k2[at] = k[i];
                v2[at] = v[i];
            }
            long[] t = k;
            k = k2;
            k2 = t;
            t = v;
            v = v2;
            v2 = t;
        }
        if (k != keys) {
            System.arraycopy(k, 0, keys, 0, n);
            System.arraycopy(v, 0, values, 0, n);
        }
        for (int i = 0, j; i < n; i = j) { // equal keys (hash collisions) added out of value order
            j = i + 1;
            while (j < n && keys[j] == keys[i]) {
                j++;
            }
            if (j - i > 1) {
                java.util.Arrays.sort(values, i, j);
            }
        }
    }
}
