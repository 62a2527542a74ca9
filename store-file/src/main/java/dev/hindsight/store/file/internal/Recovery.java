package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory: scans every segment, verifies each record, rebuilds the indexes and truncates a torn tail
 * (rules in {@code package-info}). Not thread-safe; runs before the writer starts.
 */
public final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    private static final int ZERO_CHECK = 4096;

    private LogState state = new LogState();
    private final List<Pending> pending = new ArrayList<>();
    private long expected = 1;
    private long truncatedBytes;
    private ByteBuffer scratch = ByteBuffer.allocate(0);

    private record Pending(long position, int offset, String aggregateId, UUID id, Instant timestamp) {}

    /** Result of recovery. */
    public record Result(LogState state, long truncatedBytes, long checkpointPosition) {}

    private Recovery() {}

    /**
     * Recovers the segments in {@code segmentsDir}, creating the first one if there are none.
     *
     * @throws CorruptionException naming file and offset if acknowledged data is damaged
     */
    public static Result run(Path segmentsDir, int segmentBytes) throws IOException {
        Recovery r = new Recovery();
        List<Path> files;
        try (Stream<Path> s = Files.list(segmentsDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .toList();
        }
        if (!files.isEmpty() && allZeros(files.getLast())) {
            // A crash while a segment was being created (before its header was durable). Records are only written
            // after the header is forced, so it holds nothing: remove it, the writer creates it again when it rolls.
            LOG.warn("removing {}: a segment whose creation never completed (no header, no records)", files.getLast());
            Files.delete(files.getLast());
            Segment.forceDirectory(segmentsDir);
            files = files.subList(0, files.size() - 1);
        }
        IndexCheckpoint.Resume resume = r.loadCheckpoint(segmentsDir, files, segmentBytes);
        for (int i = 0; i < files.size(); i++) {
            Segment seg = Segment.open(files.get(i), i, segmentBytes);
            r.state.addSegment(seg);
            if (resume != null && i < resume.ordinal()) {
                continue; // covered by the checkpoint; its records are verified when read
            }
            if (seg.basePosition() != r.expected) {
                throw new CorruptionException("segment " + seg.path() + " starts at position " + seg.basePosition()
                        + " but position " + r.expected + " was expected (a segment is missing or misnamed)");
            }
            r.scan(seg, i == files.size() - 1);
        }
        if (files.isEmpty()) {
            r.state.addSegment(Segment.create(segmentsDir, 0, 1, segmentBytes));
            r.state.writeOffset = Segment.HEADER_BYTES;
        }
        r.state.publish(r.expected - 1);
        return new Result(r.state, r.truncatedBytes, resume == null ? 0 : resume.position());
    }

    /**
     * Loads the index checkpoint if it matches the log: its last record must be where it says, intact.
     */
    private IndexCheckpoint.@Nullable Resume loadCheckpoint(Path dir, List<Path> files, int segmentBytes)
            throws IOException {
        LogState candidate = new LogState();
        IndexCheckpoint.Resume resume = IndexCheckpoint.load(dir, candidate);
        if (resume == null || resume.ordinal() >= files.size() || resume.ordinal() < 1) {
            return null;
        }
        if (!files.get(resume.ordinal()).getFileName().toString().equals(Segment.fileName(resume.position() + 1))) {
            // the sealed segment went on after the checkpoint was written (a later checkpoint could not be written)
            LOG.warn("index checkpoint is older than the log; rebuilding the index from the log");
            return null;
        }
        int sealed = resume.ordinal() - 1;
        try (Segment seg = Segment.open(files.get(sealed), sealed, segmentBytes)) {
            long loc = candidate.location(resume.position());
            ByteBuffer b = seg.readAll(ByteBuffer.allocate(0));
            if ((int) (loc >>> 32) != sealed || !validFrameAt(b, (int) loc, seg.capacity(), resume.position())) {
                LOG.warn("index checkpoint does not match the log; rebuilding the index from the log");
                return null;
            }
        }
        state = candidate;
        expected = resume.position() + 1;
        return resume;
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

    private void scan(Segment seg, boolean last) throws IOException {
        scratch = seg.readAll(scratch);
        ByteBuffer map = scratch;
        int off = Segment.HEADER_BYTES;
        int lastCommitEnd = off;
        while (off + FrameCodec.HEADER <= seg.capacity()) {
            int len = map.getInt(off);
            if (len == 0 && zerosFollow(map, off, seg.capacity())) {
                break;
            }
            if (!validFrameAt(map, off, seg.capacity(), expected) || !versionFits(map, off)) {
                if (!last || laterCompleteWrite(map, off, seg.capacity(), expected)) {
                    throw new CorruptionException("corrupt record in " + seg.path() + " at offset " + off
                            + " (expected position " + expected + "); later acknowledged data follows it");
                }
                break;
            }
            accept(map, off, seg.ordinal());
            off += FrameCodec.HEADER + len;
            if ((map.get(off - FrameCodec.HEADER - len + 8) & FrameCodec.COMMIT) != 0) {
                commitPending();
                lastCommitEnd = off;
            }
        }
        if (!pending.isEmpty()) {
            expected -= pending.size();
            pending.clear();
        }
        if (last) {
            int dataEnd = lastNonZero(map, lastCommitEnd, seg.capacity());
            if (dataEnd > lastCommitEnd) {
                truncatedBytes = dataEnd - lastCommitEnd;
                LOG.warn(
                        "truncating torn tail of {}: {} bytes after offset {}",
                        seg.path(),
                        truncatedBytes,
                        lastCommitEnd);
                seg.cutAt(lastCommitEnd);
            }
            if (scratch.capacity() > (64 << 20)) {
                scratch = ByteBuffer.allocate(0);
            }
            state.writeOffset = lastCommitEnd;
        } else if (lastCommitEnd != off) {
            throw new CorruptionException(
                    "unfinished append at the end of sealed segment " + seg.path() + " at offset " + lastCommitEnd);
        }
    }

    private void accept(ByteBuffer map, int off, int ordinal) {
        int aggLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN));
        byte[] agg = new byte[aggLen];
        map.get(off + FrameCodec.OFF_VARIABLE, agg);
        UUID id = new UUID(map.getLong(off + FrameCodec.OFF_ID_MSB), map.getLong(off + FrameCodec.OFF_ID_LSB));
        Instant ts = Instant.ofEpochSecond(
                map.getLong(off + FrameCodec.OFF_TS_SECONDS), map.getInt(off + FrameCodec.OFF_TS_NANOS));
        state.setLocation(expected, ordinal, off);
        pending.add(new Pending(expected, off, new String(agg, StandardCharsets.UTF_8), id, ts));
        expected++;
    }

    private void commitPending() {
        for (Pending p : pending) {
            state.aggregates.getOrCreate(p.aggregateId()).add(p.position(), p.timestamp());
            state.ids.put(p.id(), p.position());
        }
        pending.clear();
    }

    /** Version of the record must continue its aggregate (counting uncommitted records of the same append). */
    private boolean versionFits(ByteBuffer map, int off) {
        int aggLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN));
        byte[] agg = new byte[aggLen];
        map.get(off + FrameCodec.OFF_VARIABLE, agg);
        String id = new String(agg, StandardCharsets.UTF_8);
        AggregateIndex.Entry e = state.aggregates.get(id);
        long base = e == null ? 0 : e.count();
        for (Pending p : pending) {
            if (p.aggregateId().equals(id)) {
                base++;
            }
        }
        return map.getLong(off + FrameCodec.OFF_VERSION) == base + 1;
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
            if (len < FrameCodec.FIXED || len > capacity || (map.get(k + 8) & ~3) != 0) {
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
