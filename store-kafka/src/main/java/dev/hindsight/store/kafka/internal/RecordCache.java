package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.RecordedEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decoded committed events kept in memory, filled by the indexer and the writers (which have every event decoded
 * anyway), so reads of recent events need no fetch from Kafka. Two bounded parts:
 *
 * <ul>
 *   <li>an LRU by partition and offset, for aggregate reads (events read again stay);
 *   <li>per partition, a <em>tail</em>: the newest events in offset order with the offset from which it holds every
 *       event of the partition ({@link #tail}), so the global log's reads near the head (subscriptions, projections,
 *       the relay) are answered from memory. Events arrive in offset order per partition (one writer per partition,
 *       which the indexer has caught up before it writes; the indexer reads in order; whichever of the two brings an
 *       offset second is ignored), so "every event from {@code coveredFrom}" holds by construction: markers and
 *       aborted records hold no event, and the first offset the tail evicts moves {@code coveredFrom} past it.
 * </ul>
 *
 * Only committed records enter, and a record at an offset never changes, so nothing is ever stale. Thread-safe: the
 * LRU is guarded by {@code this}, each partition's tail by itself.
 */
public final class RecordCache {
    private final Map<Long, RecordedEvent> events;
    private final Tail[] tails;

    /**
     * @param capacity events in the LRU
     * @param tailStarts per partition, the offset from which its events will all be {@link #put} (the index's head
     *     when the log opens: the indexer reads every later record)
     * @param tailCapacity events kept per partition tail ({@code 0}: none, {@link #tail} always answers false)
     */
    public RecordCache(int capacity, long[] tailStarts, int tailCapacity) {
        this.events = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, RecordedEvent> eldest) {
                return size() > capacity;
            }
        };
        this.tails = new Tail[tailStarts.length];
        for (int p = 0; p < tailStarts.length; p++) {
            tails[p] = new Tail(Math.max(0, tailCapacity), tailStarts[p]);
        }
    }

    private static long key(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    /**
     * Keeps the committed event at {@code offset} of {@code partition}.
     *
     * @param timestamp its record's timestamp (the order of the global log's merge)
     */
    public void put(int partition, long offset, RecordedEvent e, long timestamp) {
        synchronized (this) {
            events.put(key(partition, offset), e);
        }
        tails[partition].add(offset, e, timestamp);
    }

    public @Nullable RecordedEvent get(int partition, long offset) {
        RecordedEvent e;
        synchronized (this) {
            e = events.get(key(partition, offset));
        }
        return e != null ? e : tails[partition].get(offset);
    }

    /**
     * Adds to {@code out} the events of {@code partition} with offsets in {@code [from, to)}, in offset order, at most
     * {@code max + 1} of them (one more than asked tells the caller the range has more).
     *
     * @return false, adding nothing, if the tail no longer (or never did) hold every event from {@code from}: read
     *     the range from Kafka
     */
    public boolean tail(int partition, long from, long to, int max, List<Buffered> out) {
        return tails[partition].copy(from, to, max, out);
    }

    /** An event of a partition's tail, with its offset and its record's timestamp. */
    public record Buffered(long offset, long timestamp, RecordedEvent event) {}

    /** One partition's newest events in offset order: a ring of offsets and events. */
    private static final class Tail {
        private final long[] offsets;
        private final RecordedEvent[] events;
        private final long[] timestamps;
        private int first; // ring index of the oldest entry
        private int size;
        /** Every event of the partition at or past this offset (and below the next {@link #add}) is held. */
        private long coveredFrom;
        /** The newest offset held or skipped; adds at or below it are the second copy of a known record. */
        private long last;

        Tail(int capacity, long start) {
            this.offsets = new long[capacity];
            this.events = new RecordedEvent[capacity];
            this.timestamps = new long[capacity];
            this.coveredFrom = start;
            this.last = start - 1;
        }

        synchronized void add(long offset, RecordedEvent e, long timestamp) {
            if (offset <= last || offsets.length == 0) {
                return;
            }
            last = offset;
            if (size == offsets.length) {
                coveredFrom = offsets[first] + 1;
                events[first] = null;
                first = (first + 1) % offsets.length;
                size--;
            }
            int at = (first + size) % offsets.length;
            offsets[at] = offset;
            events[at] = e;
            timestamps[at] = timestamp;
            size++;
        }

        synchronized @Nullable RecordedEvent get(long offset) {
            int i = indexOf(offset);
            return i < size && offsets[(first + i) % offsets.length] == offset
                    ? events[(first + i) % offsets.length]
                    : null;
        }

        synchronized boolean copy(long from, long to, int max, List<Buffered> out) {
            if (from < coveredFrom || offsets.length == 0) {
                return false;
            }
            for (int i = indexOf(from); i < size && out.size() <= max; i++) {
                int at = (first + i) % offsets.length;
                if (offsets[at] >= to) {
                    break;
                }
                out.add(new Buffered(offsets[at], timestamps[at], events[at]));
            }
            return true;
        }

        /** The ring position (0 = oldest) of the first entry at or past {@code offset}. */
        private int indexOf(long offset) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (offsets[(first + mid) % offsets.length] < offset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
