package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.OffsetFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment file and the offsets of its records (an array while active, then an {@link OffsetFile}): preallocated, written by the single writer through its channel, read by anyone through a
 * read-only memory map. Thread-safety: reads ({@link #readFrame}) are safe from any thread for offsets below the
 * published end; {@link #write}, {@link #force} and {@link #cutAt} are called by the writer thread only.
 */
public final class Segment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);
    static final int HEADER_BYTES = 64;
    private static final byte[] MAGIC = "HSLOG001".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;

    private final int ordinal;
    private final long basePosition;
    private final Path path;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    private final int capacity;
    /**
     * Offsets of this segment's records while it is active (and until its offset file is written); the writer
     * appends, readers read below the published head. Null once {@link #sealed} serves them.
     */
    private volatile int @Nullable [] offsets = new int[1024];
    /** Writer only: number of offsets set. */
    private int offsetCount;
    /** The offset file of the sealed segment. */
    private volatile @Nullable OffsetFile sealed;

    private Segment(int ordinal, long basePosition, Path path, FileChannel channel, int capacity) throws IOException {
        this.ordinal = ordinal;
        this.basePosition = basePosition;
        this.path = path;
        this.channel = channel;
        this.capacity = capacity;
        this.map = channel.map(FileChannel.MapMode.READ_ONLY, 0, capacity);
    }

    static String fileName(long basePosition) {
        return String.format("%020d.log", basePosition);
    }

    /** Creates a new, empty segment whose first event will have {@code basePosition}. */
    static Segment create(Path dir, int ordinal, long basePosition, int capacity) throws IOException {
        Path path = dir.resolve(fileName(basePosition));
        FileChannel ch = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            header.put(MAGIC).putInt(FORMAT).putLong(basePosition).clear();
            writeFully(ch, header, 0);
            ch.truncate(HEADER_BYTES);
            extend(ch, capacity);
            ch.force(true);
            forceDirectory(dir);
            return new Segment(ordinal, basePosition, path, ch, capacity);
        } catch (IOException | RuntimeException e) {
            // a half-made segment must not survive: recovery would take it for a damaged one
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Opens an existing segment, checking its header. */
    static Segment open(Path path, int ordinal, int minCapacity) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        int n = ch.read(header, 0);
        header.flip();
        byte[] magic = new byte[MAGIC.length];
        if (n < HEADER_BYTES
                || !java.util.Arrays.equals(readMagic(header, magic), MAGIC)
                || header.getInt(8) != FORMAT) {
            ch.close();
            throw new CorruptionException("segment " + path + " has no valid header at offset 0");
        }
        long base = header.getLong(12);
        long size = ch.size();
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, minCapacity));
        if (size < capacity) {
            extend(ch, capacity);
        }
        return new Segment(ordinal, base, path, ch, capacity);
    }

    private static byte[] readMagic(ByteBuffer header, byte[] into) {
        header.get(0, into);
        return into;
    }

    private static void extend(FileChannel ch, long size) throws IOException {
        // Writing one byte at the end makes a sparse file of that size; the gap reads as zeros.
        ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer src, long at) throws IOException {
        long pos = at;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
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

    public int capacity() {
        return capacity;
    }

    /** The read-only map; absolute reads only. */
    ByteBuffer map() {
        return map;
    }

    /**
     * Reads the whole segment through the channel into {@code into} (allocating a bigger one if needed). Recovery
     * uses this instead of the map: reading never-written (sparse) regions through a map can fault on file systems
     * that allocate on read, such as a full tmpfs.
     */
    ByteBuffer readAll(ByteBuffer into) throws IOException {
        ByteBuffer b = into.capacity() >= capacity ? into : ByteBuffer.allocate(capacity);
        b.clear().limit(capacity);
        long pos = 0;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        return b.clear().limit(capacity);
    }

    /** Writes {@code src} at {@code offset}. Writer thread only. */
    void write(ByteBuffer src, long offset) throws IOException {
        writeFully(channel, src, offset);
    }

    /** Forces written data to stable storage (fdatasync). Writer thread only. */
    void force() throws IOException {
        channel.force(false);
    }

    /**
     * Discards everything from {@code offset} on: cuts the file there and extends it again, so the tail reads as
     * zeros. Writer thread (or recovery) only.
     */
    void cutAt(long offset) throws IOException {
        channel.truncate(offset);
        extend(channel, capacity);
        channel.force(true);
    }

    /**
     * Reads and verifies the frame at {@code offset}.
     *
     * @throws CorruptionException if its CRC does not match
     */
    byte[] readFrame(int offset) {
        int len = map.getInt(offset);
        if (len < FrameCodec.FIXED || offset + FrameCodec.HEADER + (long) len > capacity) {
            throw new CorruptionException("bad record length " + len + " in " + path + " at offset " + offset);
        }
        byte[] f = new byte[FrameCodec.HEADER + len];
        map.get(offset, f, 0, f.length);
        int stored = ByteBuffer.wrap(f).getInt(4);
        if (stored != FrameCodec.crc(f, 8, 1 + len)) {
            throw new CorruptionException("CRC mismatch in " + path + " at offset " + offset);
        }
        return f;
    }

    /**
     * Verifies the frame at {@code offset} in place, without copying it.
     *
     * @throws CorruptionException if its length or CRC is bad
     */
    void verifyFrame(int offset) {
        int len = map.getInt(offset);
        if (len < FrameCodec.FIXED || offset + FrameCodec.HEADER + (long) len > capacity) {
            throw new CorruptionException("bad record length " + len + " in " + path + " at offset " + offset);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(map.slice(offset + 8, 1 + len));
        if (map.getInt(offset + 4) != (int) crc.getValue()) {
            throw new CorruptionException("CRC mismatch in " + path + " at offset " + offset);
        }
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
        int off = HEADER_BYTES;
        for (int i = 0; i < count; i++) {
            o[i] = off;
            off += FrameCodec.HEADER + map.getInt(off);
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
    public void close() throws IOException {
        channel.close();
    }
}
