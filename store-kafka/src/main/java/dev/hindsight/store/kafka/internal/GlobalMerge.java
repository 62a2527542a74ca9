package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.PageBudget;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * One page of the global log of a partitioned topic, in a fixed order: partitions are merged by record timestamp
 * (the event's {@code recorded_at}), ties going to the lower partition, each partition in offset order. The order
 * depends only on the records, never on which broker answered a fetch first, so every read of the same range returns
 * the same sequence, and a page that stops anywhere continues exactly where the whole read would (merging the rest of
 * each partition is the rest of the merge). With several brokers the fetch order varied between reads, and a paged
 * read did not equal a whole read.
 *
 * <p>Each partition contributes at most a quota of buffered records to a page (about twice the page size over the
 * partitions still open, so a page reads about twice what it returns), and records fetched from Kafka at most a share
 * of the {@link PageBudget} in bytes (at least one record each); when a partition that has more runs out of buffered
 * records the page ends early, short but in order. The page itself stops at the budget too. Partitions whose range
 * the {@link RecordCache}'s tail holds whole are buffered from memory (the common case for subscribers near the head;
 * those events are on the heap already); only the others are fetched from Kafka, so a read at the head costs no
 * fetch. Both sources buffer the same records with the same timestamps, so a page is the same sequence either way,
 * though the byte shares may end a fetched one sooner. Not thread-safe: one per read.
 */
public final class GlobalMerge {
    private final long[] from;
    private final long[] head;
    private final int quota;
    /** Bytes of fetched records each partition may buffer: the page's budget over the open partitions. */
    private final long byteShare;
    /** Bytes of fetched records buffered, per partition. */
    private final long[] bufferedBytes;

    private final List<ArrayDeque<Entry>> buffered;
    private final boolean[] stopped;

    /** A buffered record: decoded already (from the cache's tail) or raw (fetched), decoded when merged. */
    private record Entry(
            long offset,
            long timestamp,
            @Nullable RecordedEvent event,
            @Nullable ConsumerRecord<byte[], byte[]> raw) {}

    public GlobalMerge(long[] from, long[] head, int limit) {
        this.from = from;
        this.head = head;
        int open = 0;
        for (int p = 0; p < from.length; p++) {
            open += from[p] < head[p] ? 1 : 0;
        }
        this.quota = Math.max(16, (int) Math.min(Integer.MAX_VALUE, 2L * limit / Math.max(1, open) + 1));
        this.byteShare = PageBudget.BYTES / Math.max(1, open);
        this.bufferedBytes = new long[from.length];
        this.buffered = new ArrayList<>(from.length);
        for (int p = 0; p < from.length; p++) {
            buffered.add(new ArrayDeque<>());
        }
        this.stopped = new boolean[from.length];
    }

    /**
     * Buffers the page's records: from {@code cache}'s tails where they hold a partition's range whole, the other
     * partitions through {@code fetcher}.
     */
    public GlobalMerge fetch(RecordCache cache, RecordFetcher fetcher) {
        long[] fetchFrom = new long[from.length];
        long[] fetchTo = new long[from.length];
        List<RecordCache.Buffered> tail = new ArrayList<>();
        for (int p = 0; p < from.length; p++) {
            if (from[p] >= head[p]) {
                continue;
            }
            tail.clear();
            if (cache.tail(p, from[p], head[p], quota, tail)) {
                ArrayDeque<Entry> q = buffered.get(p);
                for (RecordCache.Buffered b : tail) {
                    if (q.size() >= quota) {
                        stopped[p] = true;
                        break;
                    }
                    q.add(new Entry(b.offset(), b.timestamp(), b.event(), null));
                }
            } else {
                fetchFrom[p] = from[p];
                fetchTo[p] = head[p];
            }
        }
        fetcher.readRanges(fetchFrom, fetchTo, r -> {
            int p = r.partition();
            ArrayDeque<Entry> q = buffered.get(p);
            if (q.size() >= quota || bufferedBytes[p] >= byteShare) {
                stopped[p] = true;
                return false;
            }
            q.add(new Entry(r.offset(), r.timestamp(), null, r));
            bufferedBytes[p] += Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
            return true;
        });
        return this;
    }

    /**
     * Merges the buffered records into a page of at most {@code limit} events that pass {@code filter}, stopping once
     * the events in it hold the {@link PageBudget}; the cursor moves past every merged record, kept or skipped
     * (records that are not events are skipped too), and no further.
     */
    public GlobalSlice page(int limit, EventFilter filter, int partitions) {
        long[] next = from.clone();
        List<RecordedEvent> out = new ArrayList<>(Math.min(limit, 1024));
        long bytes = 0;
        while (out.size() < limit && bytes < PageBudget.BYTES) {
            int best = -1;
            boolean blocked = false;
            for (int p = 0; p < next.length; p++) {
                ArrayDeque<Entry> q = buffered.get(p);
                if (q.isEmpty()) {
                    if (next[p] < head[p] && stopped[p]) {
                        blocked = true; // it has more, not buffered: merging on could put a later record first
                        break;
                    }
                    if (!stopped[p]) {
                        next[p] = Math.max(next[p], head[p]); // read to its end: only markers remain
                    }
                    continue;
                }
                if (best < 0 || q.peek().timestamp() < buffered.get(best).peek().timestamp()) {
                    best = p;
                }
            }
            if (blocked || best < 0) {
                break;
            }
            Entry r = buffered.get(best).poll();
            next[best] = r.offset() + 1;
            RecordedEvent e = r.event();
            if (e == null) {
                try {
                    e = RecordCodec.decode(r.raw(), partitions);
                } catch (RuntimeException notAnEvent) {
                    continue; // a foreign record: the indexer skips it too
                }
            }
            if (filter.test(e)) {
                out.add(e);
                bytes += PageBudget.bytes(e);
            }
        }
        return new GlobalSlice(out, new Position.Vector(next));
    }
}
