package dev.hindsight.store.file.internal;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Aggregate id → positions of its events within one segment (the in-memory part of the aggregate index: the active
 * segment's, or a sealed one's until its index run is written). Keys are exact, so versions here need no
 * verification: an entry's versions are {@code baseVersion + 1 .. baseVersion + count}. One writer, many readers: an
 * entry's {@code count} is written (volatile) after its position array holds the new entries.
 */
final class AggregateIndex {
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** The events of one aggregate in this segment. */
    static final class Entry {
        /** Version of the aggregate before its first event in this segment. */
        final long baseVersion;

        private volatile long[] positions = new long[4];
        private volatile int count;
        /** Writer only (readers of a frozen table only). */
        @Nullable
        Instant lastTimestamp;

        Entry(long baseVersion) {
            this.baseVersion = baseVersion;
        }

        int count() {
            return count;
        }

        /** Version after the last event of this entry. */
        long version() {
            return baseVersion + count;
        }

        /** The {@code i}-th position (0-based, below a count read before). */
        long at(int i) {
            return positions[i];
        }

        /** The positions, ascending (a copy, safe from any thread). */
        long[] positions() {
            int c = count;
            return Arrays.copyOf(positions, c);
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
    }

    /** Visits every entry (weakly consistent: entries added meanwhile may or may not be seen). */
    void forEach(java.util.function.BiConsumer<String, Entry> visitor) {
        entries.forEach(visitor);
    }

    @Nullable
    Entry get(String aggregateId) {
        return entries.get(aggregateId);
    }

    /** The entry of {@code aggregateId}, created with {@code baseVersion} if absent. Writer only. */
    Entry getOrCreate(String aggregateId, long baseVersion) {
        Entry e = entries.get(aggregateId);
        if (e == null) {
            e = new Entry(baseVersion);
            entries.put(aggregateId, e);
        }
        return e;
    }
}
