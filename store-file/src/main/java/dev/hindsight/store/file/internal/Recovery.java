package dev.hindsight.store.file.internal;

import com.github.luben.zstd.ZstdDecompressCtx;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.index.HashIndex;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.OffsetFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory: opens the on-disk indexes, scans (and verifies record by record) only the segments they do
 * not cover — normally just the active one — rebuilding their offsets and index entries, and truncates a torn tail
 * (rules in {@code package-info}). A sealed segment the indexes do not cover (a crash before its flush, a damaged or
 * missing index file, an old store without indexes) is scanned and its offset file and index runs written before the
 * next one is scanned, so memory stays bounded by one segment. Not thread-safe; runs before the writer starts.
 */
public final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    private static final int ZERO_CHECK = 4096;
    /** Zero bytes after a restored checkpoint's write offset that show nothing was written after it. */
    private static final int CLEAN_TAIL_CHECK = 1 << 20;

    private static final String OLD_CHECKPOINT = "index.checkpoint";

    private final LogState state = new LogState();
    private final List<Pending> pending = new ArrayList<>();
    private long expected = 1;
    private long truncatedBytes;
    private ByteBuffer scratch = ByteBuffer.allocate(0);
    /** Segment offset of {@code scratch}'s byte 0 during a scan (non-zero when scanning after a checkpoint). */
    private int shift;

    private long checkpointEvents;

    private boolean indexAggregates;
    private boolean indexIds;
    /** First positions of the segment being scanned that the aggregate and id indexes do not cover yet. */
    private long aggregatesFrom;

    private long idsFrom;
    private ArchiveManifest archived = ArchiveManifest.EMPTY;

    private record Pending(long position, long version, String aggregateId, UUID id, Instant timestamp) {}

    /**
     * Result of recovery.
     *
     * @param indexedPosition the position up to which the on-disk indexes covered the log when opened (0: rebuilt)
     * @param checkpointEvents events of the active segment loaded from its {@link ActiveCheckpoint} instead of scanned
     */
    public record Result(LogState state, long truncatedBytes, long indexedPosition, long checkpointEvents) {}

    private Recovery() {}

    /**
     * Recovers the segments in {@code segmentsDir} (indexes in its sibling {@code index}), creating the first segment
     * if there are none.
     *
     * @throws CorruptionException naming file and offset if acknowledged data is damaged
     */
    public static Result run(
            Path segmentsDir,
            int segmentBytes,
            int cacheEntries,
            int memtableEvents,
            BlockCache blocks,
            ArchiveManifest archived,
            java.util.function.Function<ArchiveManifest.Entry, BlockSource> archivedSource)
            throws IOException {
        bindCodecBeside(segmentsDir);
        for (boolean clearIndexes = false; ; clearIndexes = true) {
            Recovery r = new Recovery();
            r.state.blockCache(blocks);
            r.state.archivedSource(archivedSource);
            ArchivedTables tables =
                    new ArchivedTables(segmentsDir.toAbsolutePath().getParent());
            tables.prune(archived);
            r.state.archivedTables(tables);
            r.archived = archived;
            try {
                return r.run(segmentsDir, segmentBytes, cacheEntries, memtableEvents, clearIndexes);
            } catch (StaleIndexException e) {
                if (clearIndexes) {
                    throw new IllegalStateException("rebuilt indexes are stale", e);
                }
                LOG.warn("{}; rebuilding the indexes from the log", e.getMessage());
            }
        }
    }

    /**
     * Binds zstd's native functions on a thread of its own when the log has compressed segments: checking the indexes'
     * coverage reads a record of the last one, and binding takes ~0.3 s of CPU in a new JVM, which then overlaps the
     * opening of the indexes. A failure is left for that read, which reports it.
     */
    private static void bindCodecBeside(Path segmentsDir) throws IOException {
        try (Stream<Path> files = Files.list(segmentsDir)) {
            if (files.anyMatch(p -> p.getFileName().toString().endsWith(".zlog"))) {
                Thread.ofPlatform().daemon().name("hindsight-zstd-bind").start(() -> {
                    try {
                        new ZstdDecompressCtx().close();
                    } catch (RuntimeException | LinkageError e) {
                        // the first read of a compressed block binds again and fails with the cause
                    }
                });
            }
        }
    }

    /** The indexes cover positions the log does not hold (found only after scanning the segment they end in). */
    private static final class StaleIndexException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StaleIndexException(String message) {
            super(message, null, false, false);
        }
    }

    private Result run(Path segmentsDir, int segmentBytes, int cacheEntries, int memtableEvents, boolean clearIndexes)
            throws IOException {
        List<Path> files = segmentFiles(segmentsDir, archived);
        if (!files.isEmpty() && Files.exists(files.getLast()) && allZeros(files.getLast())) {
            // A crash while a segment was being created (before its header was durable). Records are only written
            // after the header is forced, so it holds nothing: remove it, the writer creates it again when it rolls.
            LOG.warn("removing {}: a segment whose creation never completed (no header, no records)", files.getLast());
            Files.delete(files.getLast());
            Segment.forceDirectory(segmentsDir);
            files = files.subList(0, files.size() - 1);
        }
        if (Files.deleteIfExists(segmentsDir.resolve(OLD_CHECKPOINT))) {
            LOG.info("removed the whole-index checkpoint of an older version; indexes now live in {}", Indexes.DIR);
        }
        Indexes indexes = Indexes.open(segmentsDir.resolveSibling(Indexes.DIR), state, cacheEntries, memtableEvents);
        state.indexes(indexes);
        if (clearIndexes) {
            indexes.ids.clear();
            indexes.aggregates.clear();
        }
        try {
            long covered = recover(segmentsDir, files, segmentBytes, indexes);
            return new Result(state, truncatedBytes, covered, checkpointEvents);
        } catch (StaleIndexException e) {
            // the next attempt reads through the same block cache: closed, it would keep every block of the opened
            // log on the heap
            state.closeFiles();
            throw e;
        } catch (IOException | RuntimeException e) {
            state.closeQuietly();
            throw e;
        }
    }

    /**
     * The segment files in position order, one per base position: a compressed file that made it into place wins over
     * the plain one it replaces (a crash between the rename and the delete), and leftovers of an unfinished compaction
     * are removed.
     */
    private static List<Path> segmentFiles(Path segmentsDir, ArchiveManifest archived) throws IOException {
        java.util.TreeMap<String, Path> byBase = new java.util.TreeMap<>();
        for (ArchiveManifest.Entry e : archived.segments()) {
            // archived segments have no local file; the key's file name stands for them
            byBase.put(String.format("%020d", e.base()), segmentsDir.resolve(ARCHIVED_MARK + e.base()));
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(segmentsDir)) {
            all = s.sorted().toList();
        }
        for (Path p : all) {
            String name = p.getFileName().toString();
            if (name.endsWith(".zlog.tmp")) {
                LOG.info("removing {}: a compaction that did not finish", p);
                Files.delete(p);
            } else if (byBase.containsKey(baseOf(name))
                    && byBase.get(baseOf(name)).getFileName().toString().startsWith(ARCHIVED_MARK)) {
                // archived and verified before the manifest listed it: the local copy is redundant
                LOG.info("removing {}: it is archived", p);
                Files.delete(p);
            } else if (name.endsWith(".zlog")) {
                Path plain = byBase.put(name.substring(0, name.length() - 5), p);
                if (plain != null) {
                    LOG.info("removing {}: its compressed form {} is complete", plain, p);
                    Files.delete(plain);
                }
            } else if (name.endsWith(".log")) {
                String base = name.substring(0, name.length() - 4);
                if (byBase.containsKey(base)) {
                    LOG.info("removing {}: its compressed form {} is complete", p, byBase.get(base));
                    Files.delete(p);
                } else {
                    byBase.put(base, p);
                }
            }
        }
        return List.copyOf(byBase.values());
    }

    private static final String ARCHIVED_MARK = "archived:";

    private static String baseOf(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private LogFile openFile(Path file, int ordinal, int segmentBytes) throws IOException {
        String name = file.getFileName().toString();
        if (name.startsWith(ARCHIVED_MARK)) {
            long base = Long.parseLong(name.substring(ARCHIVED_MARK.length()));
            ArchiveManifest.Entry e = archived.segments().stream()
                    .filter(x -> x.base() == base)
                    .findFirst()
                    .orElseThrow();
            Path path = file.resolveSibling(SegmentCompressor.fileName(base));
            return CompressedSegment.archived(
                    ordinal, path, state.archivedSource(e), state.blockCache(), e, state.archivedTables());
        }
        if (file.getFileName().toString().endsWith(".zlog")) {
            return CompressedSegment.open(ordinal, file, BlockSource.of(file), state.blockCache(), false);
        }
        return Segment.open(file, ordinal, segmentBytes);
    }

    private long recover(Path segmentsDir, List<Path> files, int segmentBytes, Indexes indexes) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            state.addSegment(openFile(files.get(i), i, segmentBytes));
        }
        LogFile[] segs = state.segments();
        boolean activeMissing = segs.length > 0 && !(segs[segs.length - 1] instanceof Segment);
        checkCoverage(indexes.ids, segs, indexes);
        checkCoverage(indexes.aggregates, segs, indexes);
        long covered = indexes.coveredTo();
        long idsCovered = indexes.ids.view().coveredTo();
        long aggregatesCovered = indexes.aggregates.view().coveredTo();
        for (int i = 0; i < segs.length; i++) {
            LogFile seg = segs[i];
            boolean last = i == segs.length - 1 && !activeMissing;
            long to = seg instanceof CompressedSegment c
                    ? c.basePosition() + c.records() - 1
                    : last ? Long.MAX_VALUE : segs[i + 1].basePosition() - 1;
            if (seg.basePosition() != expected) {
                throw new CorruptionException("segment " + seg.path() + " starts at position " + seg.basePosition()
                        + " but position " + expected + " was expected (a segment is missing or misnamed)");
            }
            if (!last && to <= covered) {
                OffsetFile f = OffsetFile.open(indexes.offsetFile(seg), seg.basePosition(), count(seg, to));
                if (f != null) {
                    seg.seal(f); // covered by the indexes; its records are verified when read
                    expected = to + 1;
                    continue;
                }
            }
            // a spill (or a recovery) may have left either index ending inside this segment
            long aggregatesTo = indexes.aggregates.view().coveredTo();
            long idsTo = indexes.ids.view().coveredTo();
            aggregatesFrom = Math.max(seg.basePosition(), aggregatesTo + 1);
            idsFrom = Math.max(seg.basePosition(), idsTo + 1);
            long memtableBase = Math.min(aggregatesFrom, idsFrom);
            indexes.startActive(seg, memtableBase);
            indexAggregates = to > aggregatesTo;
            indexIds = to > idsTo;
            int from = Segment.HEADER_BYTES;
            if (last && seg instanceof Segment active && indexAggregates && indexIds) {
                ActiveCheckpoint.Restored restored =
                        ActiveCheckpoint.restore(segmentsDir.resolveSibling(Indexes.DIR), active, indexes.active());
                if (restored != null) {
                    checkpointEvents = restored.next() - expected;
                    expected = restored.next();
                    from = restored.writeOffset();
                } else if (seg.offsetCount() != 0) {
                    seg.truncateOffsets(0); // a checkpoint that failed half-way: start the segment over
                    indexes.startActive(seg, memtableBase);
                }
            }
            scan(seg, last, from);
            if (!last) {
                indexes.flush(indexes.active(), to, true);
            }
        }
        if (Math.max(idsCovered, aggregatesCovered) > expected - 1) {
            throw new StaleIndexException("the indexes cover positions up to " + Math.max(idsCovered, aggregatesCovered)
                    + " but the log ends at " + (expected - 1));
        }
        if (segs.length == 0 || activeMissing) {
            // a new store, or one restored from its archive (only sealed segments are archived)
            Segment first = Segment.create(segmentsDir, segs.length, expected, segmentBytes);
            state.addSegment(first);
            indexes.startActive(first, expected);
            state.writeOffset = Segment.HEADER_BYTES;
        }
        state.publish(expected - 1);
        return covered;
    }

    private static int count(LogFile seg, long to) {
        return Math.toIntExact(to - seg.basePosition() + 1);
    }

    /**
     * Clears {@code index} unless it covers whole sealed segments from position 1 and its last covered position is
     * the intact last record of a sealed segment (else it belongs to another state of the log).
     */
    private static void checkCoverage(HashIndex index, LogFile[] segs, Indexes indexes) throws IOException {
        HashIndex.View v = index.view();
        long c = v.coveredTo();
        if (c == 0) {
            return;
        }
        for (int j = 0; j < segs.length && v.coveredFrom() == 1; j++) {
            boolean inside =
                    segs[j].basePosition() <= c && (j + 1 == segs.length || c + 1 < segs[j + 1].basePosition());
            if (inside && segs[j] instanceof Segment) {
                return; // ends inside a plain segment (a spill): recovery scans it and checks that it reaches c
            }
        }
        for (int j = 0; j + 1 < segs.length && v.coveredFrom() == 1; j++) {
            if (segs[j + 1].basePosition() == c + 1 && segs[j].archived()) {
                return; // verified before it was archived; checking it here would fetch it at every open
            }
            if (segs[j + 1].basePosition() == c + 1) {
                OffsetFile f = OffsetFile.open(indexes.offsetFile(segs[j]), segs[j].basePosition(), count(segs[j], c));
                try {
                    if (f == null || validFrameAt(segs[j], f.offset(c), c)) {
                        return; // without offsets, the scan that rebuilds them verifies the segment
                    }
                } catch (IndexCorruptionException e) {
                    return; // the offset file is rebuilt by the scan
                }
            }
        }
        LOG.warn("index {} (up to position {}) does not match the log; rebuilding it from the log", v, c);
        index.clear();
    }

    private static boolean allZeros(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            long pos = 0;
            while (true) {
                b.clear();
                int n = ch.read(b, pos);
                if (n < 0) {
                    return true;
                }
                for (int i = 0; i < n; i++) {
                    if (b.get(i) != 0) {
                        return false;
                    }
                }
                pos += n;
            }
        }
    }

    /**
     * Scans {@code seg} from byte {@code from} (its first record, or where a restored {@link ActiveCheckpoint} ends),
     * rebuilding offsets and memtables; for the last segment, cuts a torn tail.
     */
    private void scan(LogFile seg, boolean last, int from) throws IOException {
        if (from != Segment.HEADER_BYTES && seg instanceof Segment s && s.zerosFrom(from, CLEAN_TAIL_CHECK)) {
            // After a restored checkpoint (a clean close, nothing written since) nothing follows the write offset: no
            // record starts there, and a clean close leaves no torn bytes further on (recovery and roll-backs cut
            // them). Reading the rest of the segment (up to 256 MiB of zeros) only to confirm it cost open time.
            state.writeOffset = from;
            return;
        }
        shift = from == Segment.HEADER_BYTES ? 0 : from;
        scratch = shift == 0 ? seg.readAll(scratch) : ((Segment) seg).readFrom(scratch, shift);
        ByteBuffer map = scratch;
        int capacity = seg.extent() - shift;
        int off = from - shift;
        int lastCommitEnd = off;
        while (off + FrameCodec.HEADER <= capacity) {
            int len = map.getInt(off);
            if (len == 0 && zerosFollow(map, off, capacity)) {
                break;
            }
            String aggregate = null;
            boolean valid = validFrameAt(map, off, capacity, expected);
            if (valid && (indexAggregates || indexIds)) {
                aggregate = aggregateId(map, off); // decoded once per record: it was a fifth of a scan's time
            }
            if (!valid || !versionFits(map, off, aggregate)) {
                if (!last || laterCompleteWrite(map, off, capacity, expected)) {
                    throw new CorruptionException("corrupt record in " + seg.path() + " at offset " + (off + shift)
                            + " (expected position " + expected + "); later acknowledged data follows it");
                }
                break;
            }
            accept(map, off, seg, aggregate);
            off += FrameCodec.HEADER + len;
            if ((map.get(off - FrameCodec.HEADER - len + 8) & FrameCodec.COMMIT) != 0) {
                commitPending();
                lastCommitEnd = off;
            }
        }
        if (!pending.isEmpty()) {
            expected -= pending.size();
            seg.truncateOffsets(seg.offsetCount() - pending.size());
            pending.clear();
        }
        if (last) {
            int dataEnd = lastNonZero(map, lastCommitEnd, capacity);
            if (dataEnd > lastCommitEnd) {
                truncatedBytes = dataEnd - lastCommitEnd;
                LOG.warn(
                        "truncating torn tail of {}: {} bytes after offset {}",
                        seg.path(),
                        truncatedBytes,
                        lastCommitEnd + shift);
                ((Segment) seg).cutAt(lastCommitEnd + shift);
            }
            if (scratch.capacity() > (64 << 20)) {
                scratch = ByteBuffer.allocate(0);
            }
            state.writeOffset = lastCommitEnd + shift;
        } else if (lastCommitEnd != off) {
            throw new CorruptionException("unfinished append at the end of sealed segment " + seg.path() + " at offset "
                    + (lastCommitEnd + shift));
        }
    }

    private void accept(ByteBuffer map, int off, LogFile seg, @org.jspecify.annotations.Nullable String aggregate) {
        seg.addOffset(off + shift);
        if (indexAggregates || indexIds) {
            UUID id = new UUID(map.getLong(off + FrameCodec.OFF_ID_MSB), map.getLong(off + FrameCodec.OFF_ID_LSB));
            Instant ts = Instant.ofEpochSecond(
                    map.getLong(off + FrameCodec.OFF_TS_SECONDS), map.getInt(off + FrameCodec.OFF_TS_NANOS));
            long version = map.getLong(off + FrameCodec.OFF_VERSION);
            pending.add(new Pending(expected, version, aggregate == null ? aggregateId(map, off) : aggregate, id, ts));
        } else {
            pending.add(new Pending(expected, 0, "", new UUID(0, 0), Instant.EPOCH));
        }
        expected++;
    }

    private static String aggregateId(ByteBuffer map, int off) {
        byte[] agg = new byte[Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN))];
        map.get(off + FrameCodec.OFF_VARIABLE, agg);
        return new String(agg, StandardCharsets.UTF_8);
    }

    private void commitPending() {
        Indexes indexes = state.indexes();
        Memtable m = indexes.active();
        for (Pending p : pending) {
            if (indexAggregates && p.position() >= aggregatesFrom) {
                indexes.entryFor(p.aggregateId(), p.version() - 1).addAppend(p.position(), 1, p.timestamp());
            }
            if (indexIds && p.position() >= idsFrom) {
                m.ids.put(p.id(), p.position());
            }
        }
        pending.clear();
    }

    /**
     * Version of the record must continue its aggregate within the segment being scanned (counting uncommitted records
     * of the same append). Checked only where the aggregate index is being rebuilt. The first event of an aggregate in
     * the segment is not checked against the runs: that would read the aggregate's newest earlier record (often a
     * block of a compressed segment) for every aggregate of the segment, making open time grow with the active
     * segment's aggregate count; its CRC proves it is what was written, and {@code verify} checks continuity across
     * segments.
     */
    private boolean versionFits(ByteBuffer map, int off, @org.jspecify.annotations.Nullable String aggregate) {
        if (!indexAggregates || expected < aggregatesFrom) {
            return true;
        }
        String id = aggregate == null ? aggregateId(map, off) : aggregate;
        long version = map.getLong(off + FrameCodec.OFF_VERSION);
        for (int i = pending.size() - 1; i >= 0; i--) {
            if (pending.get(i).aggregateId().equals(id)) {
                return version == pending.get(i).version() + 1;
            }
        }
        AggregateIndex.Entry seen = state.indexes().active().aggregates.get(id);
        return seen == null || version == seen.version() + 1;
    }

    /** Whether a valid frame for {@code expectedPosition} is at {@code off} of {@code seg}. */
    private static boolean validFrameAt(LogFile seg, int off, long expectedPosition) {
        try {
            try (LogFile.Loc l = seg.locate(off)) {
                return validFrameAt(l.buf(), l.off(), l.buf().limit(), expectedPosition);
            }
        } catch (CorruptionException e) {
            return false;
        }
    }

    static boolean validFrameAt(ByteBuffer map, int off, int capacity, long expectedPosition) {
        if (off < 0 || off + FrameCodec.HEADER + FrameCodec.FIXED > capacity) {
            return false;
        }
        int len = map.getInt(off);
        if (len < FrameCodec.FIXED
                || (long) off + FrameCodec.HEADER + len > capacity
                || !FrameCodec.lengthsConsistent(map, off, len)) {
            return false;
        }
        if (expectedPosition > 0 && map.getLong(off + FrameCodec.OFF_POSITION) != expectedPosition) {
            return false;
        }
        byte[] f = new byte[1 + len];
        map.get(off + 8, f);
        return map.getInt(off + 4) == FrameCodec.crc(f, 0, f.length);
    }

    /**
     * Whether, after a bad record at {@code off}, a complete later group-commit write exists: a valid BATCH_END record
     * whose batch started after the bad record's position. Such a write was acknowledged after the damaged one was.
     */
    private static boolean laterCompleteWrite(ByteBuffer map, int off, int capacity, long badPosition) {
        int end = lastNonZero(map, off, capacity);
        for (int k = off + 1; k + FrameCodec.HEADER + FrameCodec.FIXED <= end; k++) {
            int len = map.getInt(k);
            if (len < FrameCodec.FIXED || len > capacity || (map.get(k + 8) & ~7) != 0) {
                continue;
            }
            if (validFrameAt(map, k, capacity, -1)
                    && (map.get(k + 8) & FrameCodec.BATCH_END) != 0
                    && map.getLong(k + FrameCodec.OFF_BATCH_START) > badPosition) {
                return true;
            }
        }
        return false;
    }

    private static boolean zerosFollow(ByteBuffer map, int off, int capacity) {
        int end = Math.min(capacity, off + ZERO_CHECK);
        for (int i = off; i < end; i++) {
            if (map.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Offset just past the last non-zero byte at or after {@code from}; {@code from} if there is none. */
    private static int lastNonZero(ByteBuffer map, int from, int capacity) {
        int i = capacity - 8;
        while (i >= from && map.getLong(i) == 0) {
            i -= 8;
        }
        if (i < from) {
            return from;
        }
        int end = i + 8;
        while (end > from && map.get(end - 1) == 0) {
            end--;
        }
        return end;
    }
}
