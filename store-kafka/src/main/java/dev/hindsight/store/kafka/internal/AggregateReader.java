package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.RecordedEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Answers per-aggregate and per-event-id questions from a partition's index, verifying every hash hit against the
 * event it points to (aggregate id, version, event id), so collisions cost reads, never answers. Recent events come
 * from the {@link RecordCache}; others are fetched from Kafka.
 * Thread-safe (stateless over thread-safe parts).
 */
public final class AggregateReader {
    private final List<PartitionIndex> indexes;
    private final RecordFetcher fetcher;
    private final int partitions;

    private final RecordCache cache;

    public AggregateReader(List<PartitionIndex> indexes, RecordFetcher fetcher, RecordCache cache, int partitions) {
        this.cache = cache;
        this.indexes = List.copyOf(indexes);
        this.fetcher = fetcher;
        this.partitions = partitions;
    }

    /** The aggregate's version, last timestamp and last offset as far as partition {@code p} is indexed. */
    public PartitionIndex.Tail tail(int p, String aggregateId) {
        PartitionIndex idx = indexes.get(p);
        long stamp = idx.tailStamp();
        PartitionIndex.Tail known = idx.knownTail(aggregateId);
        if (known != null) {
            return known;
        }
        long head = idx.head();
        PartitionIndex.Tail[] found = {PartitionIndex.Tail.NONE};
        idx.forEachRunOffsetNewestFirst(aggregateId, off -> {
            RecordedEvent e = events(p, List.of(off), head).get(off);
            if (e != null && aggregateId.equals(e.aggregateId())) {
                found[0] = new PartitionIndex.Tail(e.version(), e.timestamp(), off);
                return false;
            }
            return true;
        });
        idx.cacheTail(aggregateId, found[0], stamp);
        return found[0];
    }

    /**
     * The stored event with {@code id}: looked up in partition {@code p} first (exact for its owner), then in the other
     * partitions as far as this node has indexed them. Event ids are unique per store, but only the own partition's
     * check is atomic with the append: two nodes appending the same new id to aggregates of different partitions
     * within the indexing delay can both succeed (ADR 0010).
     */
    public @Nullable RecordedEvent byIdAnywhere(int p, UUID id) {
        RecordedEvent own = byId(p, id);
        if (own != null) {
            return own;
        }
        for (int other = 0; other < indexes.size(); other++) {
            if (other != p) {
                RecordedEvent e = byId(other, id);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    /** The stored event with {@code id} in partition {@code p}, {@code null} if there is none. */
    public @Nullable RecordedEvent byId(int p, UUID id) {
        PartitionIndex idx = indexes.get(p);
        long head = idx.head();
        List<Long> candidates = new ArrayList<>();
        Long mem = idx.memtableOffset(id);
        if (mem != null) {
            candidates.add(mem);
        }
        candidates.addAll(idx.runOffsets(id));
        for (long off : candidates) {
            RecordedEvent e = events(p, List.of(off), head).get(off);
            if (e != null && id.equals(e.eventId())) {
                return e;
            }
        }
        return null;
    }

    /**
     * Events {@code fromVersion .. fromVersion + limit - 1} (forward) or {@code fromVersion} down (backward), of the
     * aggregate in partition {@code p}. Takes the {@code v}-th candidate offset as version {@code v}; if any record
     * fetched is not that event (a hash collision), reads every candidate and keeps the aggregate's own.
     */
    public List<RecordedEvent> read(int p, String aggregateId, long fromVersion, int limit, boolean forward) {
        PartitionIndex idx = indexes.get(p);
        long head = idx.head();
        List<Long> candidates = idx.candidateOffsets(aggregateId);
        List<RecordedEvent> fast = slice(p, aggregateId, candidates, fromVersion, limit, forward, head, true);
        if (fast != null) {
            return fast;
        }
        Map<Long, RecordedEvent> all = events(p, candidates, head);
        List<Long> own = new ArrayList<>();
        for (long off : candidates) {
            RecordedEvent e = all.get(off);
            if (e != null && aggregateId.equals(e.aggregateId())) {
                own.add(off);
            }
        }
        List<RecordedEvent> exact = slice(p, aggregateId, own, fromVersion, limit, forward, head, false);
        return exact == null ? List.of() : exact;
    }

    private @Nullable List<RecordedEvent> slice(
            int p,
            String aggregateId,
            List<Long> offsets,
            long fromVersion,
            int limit,
            boolean forward,
            long head,
            boolean verifyOnly) {
        long size = offsets.size();
        List<Long> versions = new ArrayList<>();
        if (forward) {
            for (long v = Math.max(1, fromVersion); v <= size && versions.size() < limit; v++) {
                versions.add(v);
            }
        } else {
            for (long v = Math.min(fromVersion, size); v >= 1 && versions.size() < limit; v--) {
                versions.add(v);
            }
        }
        List<Long> wanted =
                versions.stream().map(v -> offsets.get((int) (v - 1))).toList();
        Map<Long, RecordedEvent> got = events(p, wanted, head);
        List<RecordedEvent> out = new ArrayList<>(versions.size());
        for (int i = 0; i < versions.size(); i++) {
            RecordedEvent r = got.get(wanted.get(i));
            boolean ok = r != null && aggregateId.equals(r.aggregateId()) && r.version() == versions.get(i);
            if (!ok) {
                if (verifyOnly) {
                    return null;
                }
                throw new dev.hindsight.core.CorruptionException("aggregate '" + aggregateId + "' in partition " + p
                        + ": the record at offset " + wanted.get(i) + " is not version " + versions.get(i));
            }
            out.add(r);
        }
        return out;
    }

    /** The committed events at {@code offsets}: from the cache, the rest fetched (and decoded) from Kafka. */
    private Map<Long, RecordedEvent> events(int p, List<Long> offsets, long head) {
        Map<Long, RecordedEvent> out = new HashMap<>();
        List<Long> missing = new ArrayList<>();
        for (long off : offsets) {
            RecordedEvent e = cache.get(p, off);
            if (e != null) {
                out.put(off, e);
            } else {
                missing.add(off);
            }
        }
        if (!missing.isEmpty()) {
            for (Map.Entry<Long, ConsumerRecord<byte[], byte[]>> f :
                    fetcher.fetch(p, missing, head).entrySet()) {
                try {
                    out.put(f.getKey(), RecordCodec.decode(f.getValue(), partitions));
                } catch (RuntimeException notAnEvent) {
                    // a foreign record: no event of any aggregate
                }
            }
        }
        return out;
    }
}
