package dev.hindsight.index.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A whole file mapped read-only in 1 GiB chunks (a {@link MappedByteBuffer} cannot exceed 2 GiB). Values are read
 * with absolute gets, so readers never share a position. The channel is closed once mapped: the mapping stays valid
 * (also after the file is deleted) until the buffers are collected. Thread-safe.
 */
public final class MappedFile {
    static final int CHUNK_SHIFT = 30;
    private static final long CHUNK_MASK = (1L << CHUNK_SHIFT) - 1;

    private final Path path;
    private final long size;
    private final ByteBuffer[] chunks;

    private MappedFile(Path path, long size, ByteBuffer[] chunks) {
        this.path = path;
        this.size = size;
        this.chunks = chunks;
    }

    /** Maps {@code path} whole. */
    public static MappedFile map(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) ((size + CHUNK_MASK) >>> CHUNK_SHIFT);
            ByteBuffer[] chunks = new ByteBuffer[Math.max(1, n)];
            if (n == 0) {
                chunks[0] = ByteBuffer.allocate(0);
            }
            for (int i = 0; i < n; i++) {
                long start = (long) i << CHUNK_SHIFT;
                chunks[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(1L << CHUNK_SHIFT, size - start));
            }
            return new MappedFile(path, size, chunks);
        }
    }

    public Path path() {
        return path;
    }

    public long size() {
        return size;
    }

    /** The long at {@code offset}; a long never straddles two chunks when its offset is 8-aligned. */
    public long getLong(long offset) {
        return chunks[(int) (offset >>> CHUNK_SHIFT)].getLong((int) (offset & CHUNK_MASK));
    }

    public short getShort(long offset) {
        return chunks[(int) (offset >>> CHUNK_SHIFT)].getShort((int) (offset & CHUNK_MASK));
    }

    public int getInt(long offset) {
        return chunks[(int) (offset >>> CHUNK_SHIFT)].getInt((int) (offset & CHUNK_MASK));
    }

    /** Copies {@code dst.length} bytes at {@code offset} (a range inside one chunk, such as an aligned page). */
    public void read(long offset, byte[] dst) {
        chunks[(int) (offset >>> CHUNK_SHIFT)].get((int) (offset & CHUNK_MASK), dst);
    }

    /** CRC32C of {@code length} bytes at {@code offset}, a range inside one chunk (callers use aligned pages). */
    public int crc(long offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(chunks[(int) (offset >>> CHUNK_SHIFT)].slice((int) (offset & CHUNK_MASK), length));
        return (int) crc.getValue();
    }
}
