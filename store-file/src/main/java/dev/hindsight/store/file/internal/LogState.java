package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The view of a file log shared by the writer and the readers: its segments (each with its record offsets), the
 * indexes and the committed head. Thread-safety: one writer (recovery, then the group-commit writer) mutates; readers
 * may call {@link #read} and the index lookups for positions ≤ {@link #committed()}, which is published last.
 */
public final class LogState {
    private volatile LogFile[] segments = new LogFile[0];
    /** Whether any segment reads through the archive: only then do aggregate reads prefetch blocks. */
    private volatile boolean anyArchived;

    private @Nullable Indexes indexes;
    private BlockCache blockCache = new BlockCache(64L << 20);
    private @Nullable ArchivedTables archivedTables;
    private java.util.function.Function<ArchiveManifest.Entry, BlockSource> archivedSource =
            e -> BlockSource.of(null, e.key(), e.bytes());

    /**
     * Held while a sealed segment changes tier or content (archive, retention), so that only one of them works on a
     * segment at a time.
     */
    final Object tierLock = new Object();

    private volatile long committed;
    /** Writer only: offset of the end of data in the active (last) segment. */
    long writeOffset;

    long committed() {
        return committed;
    }

    /** Publishes the head; called after every offset and index entry up to it is set. */
    void publish(long position) {
        committed = position;
    }

    void archivedSource(java.util.function.Function<ArchiveManifest.Entry, BlockSource> f) {
        archivedSource = f;
    }

    /** Where an archived segment's bytes are read from: the local cache's copy or the object store. */
    BlockSource archivedSource(ArchiveManifest.Entry e) {
        return archivedSource.apply(e);
    }

    void archivedTables(ArchivedTables t) {
        archivedTables = t;
    }

    /** Local copies of archived segments' block tables; null until recovery sets them. */
    @Nullable
    ArchivedTables archivedTables() {
        return archivedTables;
    }

    void blockCache(BlockCache c) {
        blockCache = c;
    }

    /** The cache of compressed segments' blocks. */
    public BlockCache blockCache() {
        return blockCache;
    }

    void indexes(Indexes i) {
        indexes = i;
    }

    /** Events whose index entries are in memory (any thread, an estimate). */
    public long indexMemtableEvents() {
        return indexes().memtableEvents();
    }

    Indexes indexes() {
        Indexes i = indexes;
        if (i == null) {
            throw new IllegalStateException("indexes not open");
        }
        return i;
    }

    synchronized void addSegment(LogFile s) {
        List<LogFile> list = new ArrayList<>(List.of(segments));
        list.add(s);
        segments = list.toArray(new LogFile[0]);
        anyArchived |= s.archived();
    }

    /** Puts {@code now} in place of {@code old} (a sealed segment changed tier); readers see one or the other. */
    synchronized void replace(LogFile old, LogFile now) {
        LogFile[] s = segments.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] == old) {
                s[i] = now;
                segments = s;
                anyArchived |= now.archived();
                return;
            }
        }
        throw new IllegalStateException("segment " + old.path() + " is not part of the log");
    }

    /**
     * Bytes of log data up to the committed head: every sealed segment whole (they roll when full), the active one up
     * to the start of its last committed record (the sparse preallocated rest takes no space). Any thread.
     */
    public long dataBytes() {
        return tiers().hotBytes();
    }

    /** Bytes and events per tier (hot: plain and compressed local segments; archived), any thread. */
    public Tiers tiers() {
        LogFile[] segs = segments;
        long head = committed;
        long hot = 0;
        long hotEvents = 0;
        long archived = 0;
        long archivedEvents = 0;
        long plainEquivalent = 0;
        long compressedBytes = 0;
        for (int i = 0; i < segs.length; i++) {
            LogFile f = segs[i];
            long end = i + 1 < segs.length ? segs[i + 1].basePosition() - 1 : head;
            long events = Math.max(0, end - f.basePosition() + 1);
            long bytes;
            if (i == segs.length - 1) {
                bytes = head >= f.basePosition() ? f.offsetOf(head) : Segment.HEADER_BYTES;
            } else {
                bytes = f.storedBytes();
            }
            if (f instanceof CompressedSegment c) {
                plainEquivalent += c.extent();
                compressedBytes += bytes;
            }
            if (f.archived()) {
                archived += bytes;
                archivedEvents += events;
            } else {
                hot += bytes;
                hotEvents += events;
            }
        }
        return new Tiers(hot, hotEvents, archived, archivedEvents, plainEquivalent, compressedBytes);
    }

    /**
     * Bytes and events per tier.
     *
     * @param compressedPlainBytes plain size of the compressed segments (hot or archived)
     * @param compressedBytes their compressed size
     */
    public record Tiers(
            long hotBytes,
            long hotEvents,
            long archivedBytes,
            long archivedEvents,
            long compressedPlainBytes,
            long compressedBytes) {}

    LogFile[] segments() {
        return segments;
    }

    /** Whether {@code f} is still one of the log's segments (not replaced). */
    boolean contains(LogFile f) {
        for (LogFile s : segments) {
            if (s == f) {
                return true;
            }
        }
        return false;
    }

    Segment active() {
        LogFile[] s = segments;
        return (Segment) s[s.length - 1];
    }

    /** The segment holding {@code position} (binary search on base positions: one entry per segment). */
    LogFile segmentOf(long position) {
        LogFile[] s = segments;
        int lo = 0;
        int hi = s.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (s[mid].basePosition() <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return s[lo];
    }

    /**
     * Fetches at once the not-yet-cached blocks of archived segments that hold {@code positions} (ascending), so that
     * reading them one by one afterwards does not wait for one request per block in turn.
     */
    void prefetch(long[] positions) {
        if (!anyArchived) {
            return; // the common case: nothing on the hot read path
        }
        int from = 0;
        while (from < positions.length) {
            LogFile seg = segmentOf(positions[from]);
            long end = seg == segments[segments.length - 1] ? Long.MAX_VALUE : nextBase(seg);
            int to = from;
            while (to < positions.length && positions[to] < end) {
                to++;
            }
            if (seg instanceof CompressedSegment c && c.archived() && to - from > 1) {
                int[] offsets = new int[to - from];
                for (int k = from; k < to; k++) {
                    offsets[k - from] = c.offsetOf(positions[k]);
                }
                c.prefetch(offsets, offsets.length);
            }
            from = Math.max(to, from + 1);
        }
    }

    private long nextBase(LogFile seg) {
        LogFile[] s = segments;
        for (int i = 0; i + 1 < s.length; i++) {
            if (s[i] == seg) {
                return s[i + 1].basePosition();
            }
        }
        return Long.MAX_VALUE;
    }

    /** Reads and verifies the event at {@code position} (1 ≤ position ≤ committed). */
    RecordedEvent read(long position) {
        LogFile seg = segmentOf(position);
        return checkedAt(position, FrameCodec.decode(seg.readFrame(seg.offsetOf(position))), seg);
    }

    /**
     * Reads and verifies the record at {@code position}: its event, and whether retention deleted it (then its data
     * and metadata are empty).
     */
    Stored readRecord(long position) {
        LogFile seg = segmentOf(position);
        byte[] f = seg.readFrame(seg.offsetOf(position));
        return new Stored(checkedAt(position, FrameCodec.decode(f), seg), FrameCodec.deleted(f));
    }

    /** The event, if it is the one at {@code position}: a damaged offset index never serves another event. */
    private static RecordedEvent checkedAt(long position, RecordedEvent e, LogFile seg) {
        if (!e.position().equals(Position.of(position))) {
            throw new CorruptionException("the offset of position " + position + " in " + seg.path()
                    + " leads to the record of position " + e.position());
        }
        return e;
    }

    /** A record as stored. */
    record Stored(RecordedEvent event, boolean deleted) {}

    /** Whether the record at {@code position} has event id ({@code msb}, {@code lsb}); not CRC-checked. */
    boolean hasEventId(long position, long msb, long lsb) {
        LogFile seg = segmentOf(position);
        try (LogFile.Loc l = seg.locate(seg.offsetOf(position))) {
            ByteBuffer map = l.buf();
            int off = l.off();
            return map.getLong(off + FrameCodec.OFF_ID_MSB) == msb && map.getLong(off + FrameCodec.OFF_ID_LSB) == lsb;
        }
    }

    /** Whether the (CRC-verified) record at {@code position} belongs to the aggregate with UTF-8 id {@code id}. */
    boolean hasAggregateId(long position, byte[] id) {
        LogFile seg = segmentOf(position);
        try (LogFile.Loc l = seg.verifiedFrame(seg.offsetOf(position))) {
            ByteBuffer map = l.buf();
            int off = l.off();
            if (Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN)) != id.length) {
                return false;
            }
            int p = off + FrameCodec.OFF_VARIABLE;
            for (int i = 0; i < id.length; i++) {
                if (map.get(p + i) != id[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    long versionAt(long position) {
        LogFile seg = segmentOf(position);
        try (LogFile.Loc l = seg.locate(seg.offsetOf(position))) {
            return l.buf().getLong(l.off() + FrameCodec.OFF_VERSION);
        }
    }

    Instant timestampAt(long position) {
        LogFile seg = segmentOf(position);
        try (LogFile.Loc l = seg.locate(seg.offsetOf(position))) {
            return Instant.ofEpochSecond(
                    l.buf().getLong(l.off() + FrameCodec.OFF_TS_SECONDS),
                    l.buf().getInt(l.off() + FrameCodec.OFF_TS_NANOS));
        }
    }

    /** Whether the event at {@code position} passes {@code test} on its aggregate id and type, without decoding. */
    boolean matches(long position, String prefix, Set<String> types) {
        LogFile seg = segmentOf(position);
        // a damaged record must fail the read, not be skipped as "not matching"
        try (LogFile.Loc l = seg.verifiedFrame(seg.offsetOf(position))) {
            ByteBuffer map = l.buf();
            int off = l.off();
            int aggLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN));
            int typeLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_TYPE_LEN));
            int p = off + FrameCodec.OFF_VARIABLE;
            if (!prefix.isEmpty()) {
                byte[] agg = new byte[aggLen];
                map.get(p, agg);
                if (!new String(agg, StandardCharsets.UTF_8).startsWith(prefix)) {
                    return false;
                }
            }
            if (!types.isEmpty()) {
                byte[] type = new byte[typeLen];
                map.get(p + aggLen, type);
                return types.contains(new String(type, StandardCharsets.UTF_8));
            }
            return true;
        }
    }

    /** Closes the indexes (waiting for a running flush), the segments and the block cache. */
    public void closeQuietly() {
        closeFiles();
        blockCache.close();
    }

    /**
     * Closes the indexes (waiting for a running flush) and the segments, not the block cache: a recovery that starts
     * over reads through the same one, which the opened log then keeps.
     */
    void closeFiles() {
        Indexes i = indexes;
        if (i != null) {
            i.close();
        }
        for (LogFile s : segments) {
            try {
                s.close();
            } catch (java.io.IOException ignored) {
                // closing a read-only view after the writer forced everything; nothing to recover
            }
        }
    }
}
