package dev.hindsight.store.kafka.internal;

import dev.hindsight.index.HashIndex;
import dev.hindsight.index.KeyHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The per-aggregate and event-id index of one partition: two {@link HashIndex} LSMs on disk (aggregate-id hash →
 * offset, event-id hash → offset; a run covers offsets {@code [from - 1, to - 1]}, positions being 1-based) and an exact
 * memtable of the records indexed since the last run. Fed in offset order by the {@link Indexer} and, on the owning
 * node, by the partition's writer right after its commit (so an append is visible here without waiting for the
 * indexer's fetch; the indexer then skips those offsets); flushed as a run by the indexer thread when the memtable
 * holds {@code memtableEvents} events, and at close. Run hits are hash hits: callers verify them
 * against the record.
 *
 * <p>Thread-safe: the memtable, {@link #head} and {@link #fetchedTo} are guarded by {@code this}; lookups take the
 * memtable under the lock and then read the runs' immutable view (which a flush publishes before it clears the
 * memtable, so a lookup never misses an entry).
 */
public final class PartitionIndex implements AutoCloseable {
    /** The tail of an aggregate: its version, last event's timestamp and offset. */
    public record Tail(long version, @Nullable Instant lastTimestamp, long lastOffset) {
        public static final Tail NONE = new Tail(0, null, -1);
    }

    private static final int VERSION_CACHE = 4096;

    private final int partition;
    private final HashIndex aggregates;
    private final HashIndex ids;
    private final int memtableEvents;
    // guarded by this
    private final Map<String, List<Long>> memOffsets = new HashMap<>();
    private final Map<String, Tail> memTails = new HashMap<>();
    private final Map<UUID, Long> memIds = new HashMap<>();
    private final Map<String, Tail> tailCache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tail> eldest) {
            return size() > VERSION_CACHE;
        }
    };
    private long memFrom = -1;
    private long memEvents;
    /** Counts the times entries left the memtable (a flush, a clear): see {@link #cacheTail}. */
    private long memtableDrops;
    /** After a failed flush: the memtable size at which the next attempt comes (0: {@code memtableEvents}). */
    private long retryAt;

    private long head;
    private long fetchedTo;

    private PartitionIndex(int partition, HashIndex aggregates, HashIndex ids, int memtableEvents) {
        this.partition = partition;
        this.aggregates = aggregates;
        this.ids = ids;
        this.memtableEvents = memtableEvents;
        this.head = aggregates.view().coveredTo();
        this.fetchedTo = head;
    }

    /** Opens the index of {@code partition} in {@code dir}; an index whose two halves disagree is cleared. */
    public static PartitionIndex open(Path dir, int partition, int memtableEvents) throws IOException {
        Files.createDirectories(dir);
        HashIndex agg = HashIndex.open(dir, "aggregates", 4, false);
        HashIndex id = HashIndex.open(dir, "ids", 4, false);
        if (agg.view().coveredTo() != id.view().coveredTo()) {
            agg.clear();
            id.clear();
        }
        return new PartitionIndex(partition, agg, id, memtableEvents);
    }

    public int partition() {
        return partition;
    }

    /** Offset the indexer resumes at: everything before it is in the runs. */
    public long resumeOffset() {
        return aggregates.view().coveredTo();
    }

    /** Drops everything (the topic no longer holds what the index covers). */
    public synchronized void clear() throws IOException {
        aggregates.clear();
        ids.clear();
        memOffsets.clear();
        memTails.clear();
        memIds.clear();
        tailCache.clear();
        memFrom = -1;
        memEvents = 0;
        memtableDrops++;
        retryAt = 0;
        head = 0;
        fetchedTo = 0;
    }

    /** Indexes the committed record at {@code offset}; records at or below the head are ignored. */
    public synchronized void add(long offset, String aggregateId, UUID eventId, long version, Instant timestamp) {
        if (offset < head) {
            return;
        }
        if (memFrom < 0) {
            memFrom = offset;
        }
        memOffsets.computeIfAbsent(aggregateId, k -> new ArrayList<>(4)).add(offset);
        memTails.put(aggregateId, new Tail(version, timestamp, offset));
        tailCache.remove(aggregateId);
        memIds.put(eventId, offset);
        memEvents++;
        head = offset + 1;
    }

    /** Records that the indexer's consumer has read everything before {@code position}. */
    public synchronized void fetchedTo(long position) {
        fetchedTo = Math.max(fetchedTo, position);
    }

    /**
     * Events indexed so far: one event-id entry each, in the runs or the memtable. A flush adds its run before it drops
     * the run's entries from the memtable, so memtable entries the runs already cover (offsets below their end) are
     * not counted again.
     */
    public synchronized long events() {
        var v = ids.view();
        long covered = v.runCount() == 0 ? -1 : v.coveredTo();
        return v.entries() + memIds.values().stream().filter(o -> o >= covered).count();
    }

    /** Offset after the last committed event indexed: the partition's entry of the log's head. */
    public synchronized long head() {
        return head;
    }

    /** Offset up to which the indexer has read (past transaction markers too). */
    public synchronized long fetchedTo() {
        return fetchedTo;
    }

    /** Whether the memtable should be written as a run. */
    public synchronized boolean wantsFlush() {
        return memEvents >= Math.max(memtableEvents, retryAt);
    }

    /**
     * A flush failed: the entries stay in the memtable (reads and checks still find them) and the next attempt comes
     * once it holds another {@code memtableEvents} events, as the file engine retries its index at the next roll.
     *
     * @return the memtable's size at which the next attempt comes
     */
    public synchronized long flushFailed() {
        retryAt = memEvents + memtableEvents;
        return retryAt;
    }

    /**
     * Writes the memtable as one run of each index (durable), then drops the entries the runs cover. Called by the
     * indexer thread only (or at close). A flush that failed half-way (one index got its run, the other did not; or
     * a merge failed after both) is completed by the next one: each index's run starts where that index ends and
     * holds only the entries past it.
     */
    public void flush() throws IOException {
        long to;
        long @Nullable [][] agg;
        long @Nullable [][] id;
        long aggFrom;
        long idFrom;
        synchronized (this) {
            if (memEvents == 0) {
                return;
            }
            to = head;
            HashIndex.View av = aggregates.view();
            HashIndex.View iv = ids.view();
            // a run covers offsets [from - 1, to - 1]: the runs end before offset coveredTo
            long aggCovered = av.runCount() == 0 ? -1 : av.coveredTo();
            long idCovered = iv.runCount() == 0 ? -1 : iv.coveredTo();
            aggFrom = aggCovered < 0 ? memFrom + 1 : aggCovered + 1;
            idFrom = idCovered < 0 ? memFrom + 1 : idCovered + 1;
            agg = aggCovered >= to ? null : aggregateEntries(aggCovered);
            id = idCovered >= to ? null : idEntries(idCovered);
        }
        if (agg != null) {
            aggregates.addRun(agg[0], agg[1], agg[0].length, aggFrom, to);
        }
        if (id != null) {
            ids.addRun(id[0], id[1], id[0].length, idFrom, to);
        }
        synchronized (this) {
            // the owner's writer may have added entries past the runs meanwhile: keep those
            long end = to;
            memOffsets.values().forEach(offsets -> offsets.removeIf(o -> o < end));
            memOffsets.values().removeIf(List::isEmpty);
            memTails.values().removeIf(t -> t.lastOffset() < end);
            memIds.values().removeIf(o -> o < end);
            memEvents = memIds.size();
            memFrom = memIds.values().stream().mapToLong(Long::longValue).min().orElse(-1);
            memtableDrops++;
            retryAt = 0;
        }
        while (aggregates.mergeOnce() || ids.mergeOnce()) {
            // merge down until no level is full
        }
    }

    /** The memtable's aggregate-hash → offset pairs at offsets from {@code from} on. Caller holds the lock. */
    private long[][] aggregateEntries(long from) {
        int n = 0;
        for (List<Long> offsets : memOffsets.values()) {
            for (long off : offsets) {
                if (off >= from) {
                    n++;
                }
            }
        }
        long[] keys = new long[n];
        long[] values = new long[n];
        int i = 0;
        for (Map.Entry<String, List<Long>> e : memOffsets.entrySet()) {
            long h = KeyHash.of(e.getKey());
            for (long off : e.getValue()) {
                if (off >= from) {
                    keys[i] = h;
                    values[i++] = off;
                }
            }
        }
        return new long[][] {keys, values};
    }

    /** The memtable's event-id-hash → offset pairs at offsets from {@code from} on. Caller holds the lock. */
    private long[][] idEntries(long from) {
        int n = (int) memIds.values().stream().filter(o -> o >= from).count();
        long[] keys = new long[n];
        long[] values = new long[n];
        int j = 0;
        for (Map.Entry<UUID, Long> e : memIds.entrySet()) {
            if (e.getValue() >= from) {
                keys[j] = KeyHash.of(
                        e.getKey().getMostSignificantBits(), e.getKey().getLeastSignificantBits());
                values[j++] = e.getValue();
            }
        }
        return new long[][] {keys, values};
    }

    /** The exact tail of {@code aggregateId} if it is in the memtable or the cache, else {@code null}. */
    public synchronized @Nullable Tail knownTail(String aggregateId) {
        Tail t = memTails.get(aggregateId);
        return t != null ? t : tailCache.get(aggregateId);
    }

    /**
     * A stamp to take before looking a tail up in the runs (after {@link #knownTail} found none) and to hand to
     * {@link #cacheTail}: it changes whenever entries leave the memtable.
     */
    public synchronized long tailStamp() {
        return memtableDrops;
    }

    /**
     * Remembers a tail verified against the log, looked up since {@code stamp} ({@link #tailStamp}). Ignored if the
     * memtable has a newer one, or if entries left the memtable since the stamp: a newer event of the aggregate may
     * have been indexed and flushed into a run after the lookup read the runs, and the memtable no longer shows it.
     */
    public synchronized void cacheTail(String aggregateId, Tail tail, long stamp) {
        if (!memTails.containsKey(aggregateId) && stamp == memtableDrops) {
            tailCache.put(aggregateId, tail);
        }
    }

    /**
     * Offsets that may hold events of {@code aggregateId}, ascending and distinct: run hits (to verify), then exact
     * memtable ones past the runs (a flush publishes its run before it drops the memtable entries it covers, so an
     * entry may be in both for a moment).
     */
    public List<Long> candidateOffsets(String aggregateId) {
        List<Long> mem;
        synchronized (this) {
            mem = List.copyOf(memOffsets.getOrDefault(aggregateId, List.of()));
        }
        HashIndex.View view = aggregates.view();
        long runsEnd = view.coveredTo(); // runs cover offsets below it
        java.util.TreeSet<Long> out = new java.util.TreeSet<>();
        view.forEachOldestFirst(KeyHash.of(aggregateId), v -> out.add(v));
        for (long o : mem) {
            if (o >= runsEnd) {
                out.add(o);
            }
        }
        return new ArrayList<>(out);
    }

    /** Run offsets that may hold {@code aggregateId}'s events, newest first, until {@code visitor} says stop. */
    public void forEachRunOffsetNewestFirst(String aggregateId, java.util.function.LongPredicate visitor) {
        aggregates.view().forEachNewestFirst(KeyHash.of(aggregateId), visitor);
    }

    /** The exact offset of event {@code id} if it is in the memtable. */
    public synchronized @Nullable Long memtableOffset(UUID id) {
        return memIds.get(id);
    }

    /** Run offsets that may hold event {@code id} (to verify), newest first. */
    public List<Long> runOffsets(UUID id) {
        List<Long> out = new ArrayList<>(1);
        ids.view()
                .forEachNewestFirst(
                        KeyHash.of(id.getMostSignificantBits(), id.getLeastSignificantBits()), v -> out.add(v));
        return out;
    }

    @Override
    public void close() {
        try {
            flush();
        } catch (IOException e) {
            System.getLogger(PartitionIndex.class.getName())
                    .log(System.Logger.Level.WARNING, "index flush of partition " + partition + " failed", e);
        } finally {
            aggregates.close();
            ids.close();
        }
    }
}
