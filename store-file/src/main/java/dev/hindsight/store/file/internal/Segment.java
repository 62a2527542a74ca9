package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A plain segment file, the tier every segment starts in: preallocated, written by the single writer through its
 * channel, read by anyone through a read-only memory map. Thread-safety: reads ({@link #readFrame}) are safe from any
 * thread for offsets below the published end; {@link #write}, {@link #force} and {@link #cutAt} are called by the
 * writer thread only.
 */
public final class Segment extends LogFile {
    static final int HEADER_BYTES = 64;
    private static final byte[] MAGIC = "HSLOG001".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;

    private final Path path;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    private final int capacity;

    private Segment(int ordinal, long basePosition, Path path, FileChannel channel, int capacity) throws IOException {
        super(ordinal, basePosition, path);
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
    @Override
    ByteBuffer readAll(ByteBuffer into) throws IOException {
        return readFrom(into, 0);
    }

    /**
     * Reads bytes {@code [from, capacity)} through the channel into {@code into} (allocating a bigger one if needed),
     * byte {@code from} at index 0: the tail that recovery scans after a restored {@link ActiveCheckpoint}.
     */
    ByteBuffer readFrom(ByteBuffer into, int from) throws IOException {
        int n = capacity - from;
        ByteBuffer b = into.capacity() >= n ? into : ByteBuffer.allocate(n);
        b.clear().limit(n);
        long pos = from;
        while (b.hasRemaining()) {
            int r = channel.read(b, pos);
            if (r < 0) {
                break;
            }
            pos += r;
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        return b.clear().limit(n);
    }

    /** Whether bytes {@code [from, from + bytes)} (cut at the capacity) are all zero, read through the channel. */
    boolean zerosFrom(int from, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, Math.min(bytes, capacity - from)));
        while (b.hasRemaining() && channel.read(b, from + b.position()) >= 0) {
            // read until full or end of file (a shorter file reads as zeros)
        }
        for (int i = 0; i < b.position(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
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

    @Override
    Loc locate(int offset) {
        return new Loc(map, offset);
    }

    @Override
    int extent() {
        return capacity;
    }

    @Override
    long storedBytes() {
        return capacity;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
