package dev.hindsight.store.file.internal;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Aggregate id → positions of its events (by version), rebuilt from the log on open. One writer, many readers: an
 * entry's {@code count} is written (volatile) after its position array holds the new entries.
 */
final class AggregateIndex {
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** The events of one aggregate. */
    static final class Entry {
        private volatile long[] positions = new long[4];
        private volatile int count;
        /** Writer only. */
        @Nullable
        Instant lastTimestamp;

        int count() {
            return count;
        }

        /** Position of {@code version} (1-based, ≤ count read before). */
        long position(long version) {
            return positions[(int) (version - 1)];
        }

        /**
         * Copies this entry's positions that are ≤ {@code p}; safe from any thread while the writer appends (the list
         * only grows, and entries below a published count never change).
         */
        long[] positionsUpTo(long p) {
            int c = count;
            long[] ps = positions;
            int i = Arrays.binarySearch(ps, 0, c, p); // positions increase strictly
            return Arrays.copyOf(ps, i >= 0 ? i + 1 : -(i + 1));
        }

        /** Replaces an empty entry's content (loading a checkpoint); writer only. */
        void load(long[] ps, @Nullable Instant last) {
            positions = ps.length == 0 ? new long[4] : ps;
            lastTimestamp = last;
            count = ps.length;
        }

        /**
         * Adds the contiguous positions {@code first .. first + n - 1} of one append and only then publishes the new
         * count, so readers see all of the append or none of it. Writer only.
         */
        void addAppend(long first, int n, Instant last) {
            long[] ps = positions;
            int c = count;
            if (c + n > ps.length) {
                ps = Arrays.copyOf(ps, Math.max(ps.length * 2, c + n));
            }
            for (int i = 0; i < n; i++) {
                ps[c + i] = first + i;
            }
            positions = ps;
            lastTimestamp = last;
            count = c + n;
        }

        void add(long position, Instant timestamp) {
            long[] ps = positions;
            int c = count;
            if (c == ps.length) {
                ps = Arrays.copyOf(ps, c * 2);
                ps[c] = position;
                positions = ps;
            } else {
                ps[c] = position;
            }
            lastTimestamp = timestamp;
            count = c + 1;
        }
    }

    /** Visits every entry (weakly consistent: entries added meanwhile may or may not be seen). */
    void forEach(java.util.function.BiConsumer<String, Entry> visitor) {
        entries.forEach(visitor);
    }

    @Nullable
    Entry get(String aggregateId) {
        return entries.get(aggregateId);
    }

    /** Writer only. */
    Entry getOrCreate(String aggregateId) {
        return entries.computeIfAbsent(aggregateId, k -> new Entry());
    }

    int size() {
        return entries.size();
    }
}
