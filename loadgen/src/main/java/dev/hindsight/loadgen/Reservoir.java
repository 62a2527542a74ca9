package dev.hindsight.loadgen;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A uniform random sample of at most {@code capacity} of the items added (reservoir sampling), in constant memory.
 * Thread-safe (synchronized).
 */
final class Reservoir<T> {
    private final Object[] items;
    private final SplittableRandom random;
    private int size; // guarded by this
    private long seen; // guarded by this

    Reservoir(int capacity, long seed) {
        this.items = new Object[capacity];
        this.random = new SplittableRandom(seed);
    }

    synchronized void add(T item) {
        seen++;
        if (size < items.length) {
            items[size++] = item;
        } else {
            long j = random.nextLong(seen);
            if (j < items.length) {
                items[(int) j] = item;
            }
        }
    }

    /** A random item of the sample, {@code null} if it is empty. */
    @SuppressWarnings("unchecked")
    synchronized @Nullable T pick() {
        return size == 0 ? null : (T) items[random.nextInt(size)];
    }

    /** How many items were added in all. */
    synchronized long seen() {
        return seen;
    }

    @SuppressWarnings("unchecked")
    synchronized List<T> snapshot() {
        List<T> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add((T) items[i]);
        }
        return out;
    }
}
