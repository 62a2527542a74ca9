package dev.hindsight.store.postgres.internal;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.PageBudget;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads that fall through to the PostgreSQL archive (ADR 0017): the global log below the archived position comes from
 * the archived objects (found by position in {@code archived_segments}), merged with the rows above it; an aggregate's
 * versions below its oldest remaining row come from the blocks that {@code archived_aggregates} names for it, so a read
 * of one aggregate fetches only the blocks holding it. Each archived version lies at or below the aggregate's oldest
 * row (archiving keeps only the last event of the range's aggregates), so the kept last events, which are both in an
 * object and in the table, are returned once.
 *
 * <p>Blocks are fetched by {@link BlockFetcher} with ranged GETs (runs of adjacent blocks in one request, runs in
 * parallel on virtual threads), checked (block CRC, decompressed length, every record's CRC) and kept decoded in a
 * cache bounded by bytes ({@link BlockCache}), with the block tables (from the index, their CRC checked too) and each
 * aggregate's list of objects; a cold read of an aggregate is its table query, two index queries and one round of
 * GETs, a warm one its table query alone. A damaged object fails the read with {@link CorruptionException} naming the
 * object and block; nothing unchecked is returned. Without an object store, a read that needs the archive fails with
 * {@link StoreUnavailableException}. Thread-safe.
 */
public final class ArchivedEvents {
    /** Blocks fetched ahead in one request when a scan of the global log needs a block that is not cached. */
    static final int READ_AHEAD_BLOCKS = 16;

    private final DataSource ds;
    private final EventReader reader;
    private final ArchiveIndex index;
    private final BlockCache cache;
    private final BlockFetcher fetcher;
    /** Whether the index was seen to list everything up to the archived position (then it always will). */
    private volatile boolean indexComplete;
    /** The highest archived position seen (0: none); archiving only moves it up, restore resets it. */
    private volatile long knownUpTo;
    /** The object the last scan of the global log ended in (the next page usually starts there). */
    private volatile BlockCache.@Nullable Segment lastScanned;

    public ArchivedEvents(DataSource ds, String schema, EventReader reader, long cacheBytes) {
        this.ds = ds;
        this.reader = reader;
        this.index = new ArchiveIndex(schema);
        this.cache = new BlockCache(cacheBytes);
        this.fetcher = new BlockFetcher(cache);
    }

    /** Reads archived objects from {@code store} from now on (null: no archive; reads that need it fail). */
    public void attach(@Nullable ObjectStore store) {
        fetcher.attach(store);
    }

    /** The archive in use, if any. */
    public @Nullable ObjectStore store() {
        return fetcher.store();
    }

    /** An archive run moved the archived position to {@code position}. */
    public void archivedUpTo(long position) {
        knownUpTo = Math.max(knownUpTo, position);
    }

    /** A restore put the archived rows back and forgot the archived position. */
    public void restored() {
        knownUpTo = 0;
        lastScanned = null;
    }

    /** Hits and misses of the block cache since open. */
    public CacheStats cacheStats() {
        return cache.stats();
    }

    /**
     * A page of the global log after {@code after}: archived positions from the objects, the rest from the table.
     * Filters apply to both. The page stops at the {@link PageBudget}: the table's part gets what the archived part left
     * of it (the server stops there, {@code read_page3}), so a page that crosses from the archive into the table holds
     * at most the budget and one event too.
     */
    public GlobalSlice readAll(long after, int limit, EventFilter filter) throws SQLException {
        List<RecordedEvent> out = new ArrayList<>();
        long cursor = after;
        while (true) {
            long upTo = knownUpTo;
            if (cursor < upTo) {
                cursor = scan(cursor, upTo, limit - out.size(), filter, out);
                if (out.size() == limit || bytes(out) >= PageBudget.BYTES) {
                    return new GlobalSlice(out, out.getLast().position());
                }
                cursor = Math.max(cursor, upTo);
            }
            EventReader.Page page = reader.readPage(cursor, limit - out.size(), filter, PageBudget.BYTES - bytes(out));
            if (cursor < page.archivedUpTo()) { // archived meanwhile (by this or another process): read it there
                archivedUpTo(page.archivedUpTo());
                continue;
            }
            if (out.isEmpty()) {
                return page.slice();
            }
            out.addAll(page.slice().events());
            return new GlobalSlice(out, page.slice().next());
        }
    }

    /**
     * Adds to {@code out} the archived events after {@code after} and at or below {@code upTo} that pass
     * {@code filter}, until it holds {@code limit} more or its events the {@link PageBudget}; returns the last position
     * looked at.
     */
    private long scan(long after, long upTo, int limit, EventFilter filter, List<RecordedEvent> out)
            throws SQLException {
        int wanted = out.size() + limit;
        long bytes = bytes(out);
        long cursor = after;
        while (out.size() < wanted && bytes < PageBudget.BYTES && cursor < upTo) {
            BlockCache.Segment s = segmentAfter(cursor);
            if (s == null) {
                throw new StoreUnavailableException("events up to position " + upTo + " are archived, but the archive"
                        + " index lists none after " + cursor + " (an archive made before the index existed: the next"
                        + " archive run indexes it)");
            }
            for (int b = s.row().blockOf(cursor + 1); b < s.row().blocks() && out.size() < wanted; b++) {
                for (RecordedEvent e : block(s, b)) {
                    long p = ArchiveSegmentWriter.position(e);
                    if (p <= cursor) {
                        continue;
                    }
                    if (p > upTo) {
                        return upTo;
                    }
                    cursor = p;
                    if (filter.test(e)) {
                        out.add(e);
                        bytes += PageBudget.bytes(e);
                        if (out.size() == wanted || bytes >= PageBudget.BYTES) {
                            return cursor;
                        }
                    }
                }
            }
            cursor = Math.max(cursor, s.row().last());
        }
        return cursor;
    }

    private static long bytes(List<RecordedEvent> events) {
        long sum = 0;
        for (RecordedEvent e : events) {
            sum += PageBudget.bytes(e);
        }
        return sum;
    }

    private BlockCache.@Nullable Segment segmentAfter(long position) throws SQLException {
        BlockCache.Segment last = lastScanned;
        if (last != null
                && last.row().first() <= position
                && position < last.row().last()) {
            return last; // objects do not overlap: no other one holds a position in (position, last]
        }
        ArchiveIndex.SegmentRow row;
        try (Connection c = ds.getConnection()) {
            row = index.after(c, position);
        }
        if (row == null) {
            return null;
        }
        BlockCache.Segment s = cache.segment(row);
        lastScanned = s;
        return s;
    }

    /** Block {@code b} of {@code s}, fetching it and the next few missing ones in one request on a miss. */
    private List<RecordedEvent> block(BlockCache.Segment s, int b) {
        List<RecordedEvent> cached = cache.block(s.row().key(), b);
        if (cached != null) {
            return cached;
        }
        int end = b + 1;
        while (end < s.row().blocks()
                && end - b < READ_AHEAD_BLOCKS
                && cache.block(s.row().key(), end) == null) {
            end++;
        }
        return fetcher.fetch(s, b, end).getFirst();
    }

    /**
     * A page of one aggregate: the table's rows, and below its oldest row the archived versions. Archived versions
     * never lie above an aggregate's oldest row (archiving keeps the last event of each aggregate it takes), so the
     * archive is asked only when the table's rows do not start at the version asked for (forward) or run out before
     * version 1 (backward).
     */
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir)
            throws SQLException {
        List<RecordedEvent> rows = reader.readAggregate(aggregateId, fromVersion, limit, dir);
        if (dir == ReadDirection.FORWARD) {
            long lo = Math.max(1, fromVersion);
            if (rows.isEmpty() || rows.getFirst().version() <= lo) {
                return rows; // nothing in the table at or after lo: the aggregate has no such version at all
            }
            List<RecordedEvent> archived =
                    aggregate(aggregateId, lo, rows.getFirst().version() - 1, limit, ReadDirection.FORWARD);
            if (archived.isEmpty()) {
                return rows;
            }
            List<RecordedEvent> out = new ArrayList<>(archived);
            out.addAll(rows.subList(0, Math.min(rows.size(), limit - archived.size())));
            return out;
        }
        if (rows.size() >= limit) {
            return rows;
        }
        long below = rows.isEmpty() ? fromVersion : rows.getLast().version() - 1;
        if (below < 1) {
            return rows;
        }
        List<RecordedEvent> archived = aggregate(aggregateId, 1, below, limit - rows.size(), ReadDirection.BACKWARD);
        if (archived.isEmpty()) {
            return rows;
        }
        List<RecordedEvent> out = new ArrayList<>(rows);
        out.addAll(archived);
        return out;
    }

    /**
     * The archived events of {@code aggregateId} with versions in {@code [lo, hi]}: at most {@code limit}, the lowest
     * ascending ({@code FORWARD}) or the highest descending ({@code BACKWARD}). Fetches the blocks the index names,
     * concurrently.
     */
    public List<RecordedEvent> aggregate(String aggregateId, long lo, long hi, int limit, ReadDirection dir)
            throws SQLException {
        if (hi < lo || limit <= 0) {
            return List.of();
        }
        List<ArchiveIndex.AggregateRef> refs = new ArrayList<>();
        for (ArchiveIndex.AggregateRef r : refs(aggregateId, hi)) {
            if (r.maxVersion() >= lo && r.minVersion() <= hi) {
                refs.add(r);
            }
        }
        if (dir == ReadDirection.BACKWARD) {
            java.util.Collections.reverse(refs);
        }
        TreeMap<Long, RecordedEvent> byVersion = new TreeMap<>();
        int next = 0;
        while (next < refs.size() && byVersion.size() < limit) {
            // the next objects that may hold enough versions (fewer if some were deleted: then take more)
            int from = next;
            long enough = 0;
            while (next < refs.size() && enough < limit - byVersion.size()) {
                ArchiveIndex.AggregateRef r = refs.get(next++);
                enough += Math.min(hi, r.maxVersion()) - Math.max(lo, r.minVersion()) + 1;
            }
            collect(aggregateId, lo, hi, refs.subList(from, next), byVersion);
        }
        List<RecordedEvent> out = new ArrayList<>(
                dir == ReadDirection.FORWARD
                        ? byVersion.values()
                        : byVersion.descendingMap().values());
        return out.size() <= limit ? out : List.copyOf(out.subList(0, limit));
    }

    /** The objects holding versions of {@code aggregateId} up to {@code hi}: cached, else one index query. */
    private List<ArchiveIndex.AggregateRef> refs(String aggregateId, long hi) throws SQLException {
        BlockCache.AggregateRefs cached = cache.refs(aggregateId);
        if (cached != null && cached.hi() == hi) {
            return cached.refs();
        }
        List<ArchiveIndex.AggregateRef> refs;
        try (Connection c = ds.getConnection()) {
            refs = index.aggregate(c, aggregateId, 1, hi);
            if (refs.isEmpty() && !indexComplete) {
                // none: versions deleted by retention, or archived before the index existed and not indexed yet
                long unindexed = index.unindexedUpTo(c);
                if (unindexed > 0) {
                    throw new StoreUnavailableException("events up to position " + unindexed + " are archived but"
                            + " not in the archive index yet (archived before it existed): the next archive run"
                            + " indexes them; until then '" + aggregateId + "' cannot be read below version "
                            + (hi + 1));
                }
                indexComplete = true; // the index is written with the checkpoint from now on: it stays complete
            }
        }
        cache.putRefs(aggregateId, new BlockCache.AggregateRefs(hi, List.copyOf(refs)));
        return refs;
    }

    /** Fetches the blocks {@code refs} name (concurrently) and adds the aggregate's versions in range from them. */
    private void collect(
            String aggregateId,
            long lo,
            long hi,
            List<ArchiveIndex.AggregateRef> refs,
            TreeMap<Long, RecordedEvent> byVersion)
            throws SQLException {
        List<String> unknown = new ArrayList<>();
        for (ArchiveIndex.AggregateRef r : refs) {
            if (cache.segment(r.key()) == null) {
                unknown.add(r.key());
            }
        }
        java.util.Map<String, BlockCache.Segment> found = new java.util.HashMap<>();
        if (!unknown.isEmpty()) { // one query for the objects not cached
            try (Connection c = ds.getConnection()) {
                for (ArchiveIndex.SegmentRow row : index.segments(c, unknown)) {
                    found.put(row.key(), cache.segment(row));
                }
            }
        }
        List<BlockCache.Segment> segments = new ArrayList<>(refs.size());
        for (ArchiveIndex.AggregateRef r : refs) {
            BlockCache.Segment s = found.get(r.key());
            if (s == null) {
                s = cache.segment(r.key());
            }
            if (s == null) { // not listed, or evicted just now
                ArchiveIndex.SegmentRow row;
                try (Connection c = ds.getConnection()) {
                    row = index.segment(c, r.key());
                }
                if (row == null) {
                    throw new CorruptionException("the archive index names " + r.key() + " for '" + aggregateId
                            + "', but does not list that object");
                }
                s = cache.segment(row);
            }
            segments.add(s);
        }
        List<Runnable> loads = new ArrayList<>();
        for (int k = 0; k < refs.size(); k++) {
            BlockCache.Segment s = segments.get(k);
            int[] blocks = refs.get(k).blocks();
            int i = 0;
            while (i < blocks.length) {
                int j = i;
                while (j + 1 < blocks.length && blocks[j + 1] == blocks[j] + 1 && j - i + 1 < READ_AHEAD_BLOCKS) {
                    j++;
                }
                int first = blocks[i];
                int end = blocks[j] + 1;
                boolean missing = false;
                for (int b = first; b < end && !missing; b++) {
                    missing = cache.block(s.row().key(), b) == null;
                }
                if (missing) {
                    loads.add(() -> fetcher.fetch(s, first, end));
                }
                i = j + 1;
            }
        }
        BlockFetcher.runAll(loads);
        for (int k = 0; k < refs.size(); k++) {
            BlockCache.Segment s = segments.get(k);
            for (int b : refs.get(k).blocks()) {
                List<RecordedEvent> events = cache.block(s.row().key(), b);
                if (events == null) { // evicted meanwhile (a cache smaller than one read): fetch it again
                    events = fetcher.fetch(s, b, b + 1).getFirst();
                }
                for (RecordedEvent e : events) {
                    if (e.version() >= lo
                            && e.version() <= hi
                            && e.aggregateId().equals(aggregateId)) {
                        byVersion.putIfAbsent(e.version(), e);
                    }
                }
            }
        }
    }
}
