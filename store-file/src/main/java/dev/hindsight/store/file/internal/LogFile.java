package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.OffsetFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of the log, whatever its tier: the active or a sealed plain file ({@link Segment}), a compressed sealed
 * file ({@link CompressedSegment}, local or archived). Every tier keeps the record offsets of the plain file (an
 * array while active, then an {@link OffsetFile}), so the indexes do not change when a segment changes tier.
 * Thread-safety: reads ({@link #locate}, {@link #readFrame}, {@link #offsetOf}) are safe from any thread for published
 * positions; the offset mutators are called by the writer or recovery only.
 */
public abstract sealed class LogFile implements AutoCloseable permits Segment, CompressedSegment {
    private static final Logger LOG = LoggerFactory.getLogger(LogFile.class);

    /**
     * Where a record starts: in {@code buf} at index {@code off}; the frame never crosses {@code buf.limit()}. A
     * compressed segment's block is held for the reader ({@code pin}) until the Loc is closed, so use it in
     * try-with-resources and not after: its bytes may then belong to another block.
     */
    record Loc(ByteBuffer buf, int off, @Nullable CachedBlock pin) implements AutoCloseable {
        /** A record in memory that nobody else reuses (a plain segment's map). */
        Loc(ByteBuffer buf, int off) {
            this(buf, off, null);
        }

        /** Lets the block go (nothing for a plain segment). */
        @Override
        public void close() {
            if (pin != null) {
                pin.release();
            }
        }
    }

    private final int ordinal;
    private final long basePosition;
    private final Path path;
    /**
     * Offsets of this segment's records while it is active (and until its offset file is written); the writer
     * appends, readers read below the published head. Null once {@link #sealed} serves them.
     */
    private volatile int @Nullable [] offsets = new int[1024];
    /** Writer only: number of offsets set. */
    private int offsetCount;
    /** The offset file of the sealed segment. */
    private volatile @Nullable OffsetFile sealed;

    LogFile(int ordinal, long basePosition, Path path) {
        this.ordinal = ordinal;
        this.basePosition = basePosition;
        this.path = path;
    }

    public int ordinal() {
        return ordinal;
    }

    public long basePosition() {
        return basePosition;
    }

    public Path path() {
        return path;
    }

    /** The record layout's end: no record reaches past it (the plain file's capacity, a compressed file's data). */
    abstract int extent();

    /** Bytes this segment takes in its tier (local disk, or the object store for an archived one). */
    abstract long storedBytes();

    /** Whether this segment's data lives in the object store (its local copy, if any, is a cache). */
    boolean archived() {
        return false;
    }

    /**
     * The buffer holding the record at {@code offset} (a plain segment's map; a compressed segment's block, held until
     * the returned Loc is closed).
     */
    abstract Loc locate(int offset);

    /**
     * The whole record area {@code [0, extent())} in one buffer (reusing {@code into} when it is big enough), for
     * recovery scans.
     */
    abstract ByteBuffer readAll(ByteBuffer into) throws IOException;

    /**
     * Reads and verifies the frame at {@code offset}.
     *
     * @throws CorruptionException if its length or CRC is bad
     */
    byte[] readFrame(int offset) {
        byte[] f;
        try (Loc l = locate(offset)) {
            int len = checkedLength(l, offset);
            f = new byte[FrameCodec.HEADER + len];
            l.buf().get(l.off(), f, 0, f.length);
        }
        int len = f.length - FrameCodec.HEADER;
        int stored = ByteBuffer.wrap(f).getInt(4);
        if (stored != FrameCodec.crc(f, 8, 1 + len)) {
            throw new CorruptionException("CRC mismatch in " + path + " at offset " + offset);
        }
        return f;
    }

    /**
     * Verifies the frame at {@code offset} in place and returns where it is (held until the caller closes it).
     *
     * @throws CorruptionException if its length or CRC is bad
     */
    Loc verifiedFrame(int offset) {
        Loc l = locate(offset);
        try {
            int len = checkedLength(l, offset);
            CRC32C crc = new CRC32C();
            crc.update(l.buf().slice(l.off() + 8, 1 + len));
            if (l.buf().getInt(l.off() + 4) != (int) crc.getValue()) {
                throw new CorruptionException("CRC mismatch in " + path + " at offset " + offset);
            }
            return l;
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    private int checkedLength(Loc l, int offset) {
        int len = l.buf().getInt(l.off());
        if (len < FrameCodec.FIXED
                || l.off() + FrameCodec.HEADER + (long) len > l.buf().limit()) {
            throw new CorruptionException("bad record length " + len + " in " + path + " at offset " + offset);
        }
        return len;
    }

    /** Sets the offset of the next record, {@code basePosition + offsetCount()}. Writer (or recovery) only. */
    void addOffset(int offset) {
        int[] o = offsets;
        if (o == null) {
            throw new IllegalStateException("segment " + path + " is sealed");
        }
        if (offsetCount == o.length) {
            o = java.util.Arrays.copyOf(o, o.length * 2);
        }
        o[offsetCount++] = offset;
        offsets = o;
    }

    /** Number of offsets set by the writer or recovery. Writer only. */
    int offsetCount() {
        return offsetCount;
    }

    /** Forgets offsets from record {@code count} on (an append rolled back, an unfinished append). Writer only. */
    void truncateOffsets(int count) {
        offsetCount = Math.min(offsetCount, count);
    }

    /** Writer-set offsets (for writing the offset file). */
    int[] offsetsArray() {
        int[] o = offsets;
        return o == null ? new int[0] : o;
    }

    /** Serves offsets from {@code file} from now on and frees the in-memory array. */
    void seal(OffsetFile file) {
        sealed = file; // set before the array is dropped: readers look at the array first
        offsets = null;
    }

    /** The offset file serving a sealed segment; null while offsets are in memory. */
    @Nullable
    OffsetFile offsetFile() {
        return sealed;
    }

    /** Number of records of a sealed segment. */
    int sealedCount() {
        OffsetFile f = sealed;
        if (f == null) {
            throw new IllegalStateException("segment " + path + " is not sealed");
        }
        return f.count();
    }

    /** Offset of the record at {@code position} (published, or being recovered). */
    int offsetOf(long position) {
        int[] o = offsets;
        if (o != null) {
            return o[(int) (position - basePosition)];
        }
        OffsetFile f = sealed;
        try {
            return f.offset(position);
        } catch (IndexCorruptionException e) {
            return rebuildOffsets(f.count(), e)[(int) (position - basePosition)];
        }
    }

    /** Rebuilds a damaged offset file's array from the records (they follow one another from the header on). */
    private synchronized int[] rebuildOffsets(int count, IndexCorruptionException cause) {
        int[] o = offsets;
        if (o != null) {
            return o;
        }
        LOG.warn("{}; rebuilding it from {}", cause.getMessage(), path);
        o = new int[count];
        int off = Segment.HEADER_BYTES;
        for (int i = 0; i < count; i++) {
            o[i] = off;
            try (Loc l = locate(off)) {
                off += FrameCodec.HEADER + l.buf().getInt(l.off());
            }
        }
        try {
            OffsetFile.write(cause.file(), basePosition, o, count);
        } catch (IOException e) {
            LOG.warn("could not rewrite {}", cause.file(), e);
        }
        offsets = o;
        return o;
    }

    @Override
    public abstract void close() throws IOException;
}
