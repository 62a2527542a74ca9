package dev.hindsight.store.file.internal;

import com.github.luben.zstd.Zstd;
import dev.hindsight.core.CorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Writes the compressed form of a sealed plain segment (format 2): blocks of whole records (about {@link #BLOCK_BYTES}
 * uncompressed each) with {@link FieldDeltas} applied, every record CRC-checked on the way in, every block
 * decompressed, decoded and compared on the way out, then fsynced and renamed into place. Not thread-safe; one
 * compaction at a time.
 */
final class SegmentCompressor {
    /** Uncompressed bytes per block: small enough that one cold read fetches little, big enough to compress well. */
    static final int BLOCK_BYTES = 64 * 1024;

    private final int level;
    private final Pacer pacer;

    /** Told after each block how long it took (compress, verify, write); may pause the compacting thread. */
    @FunctionalInterface
    interface Pacer {
        Pacer NONE = busyNanos -> {};

        void afterBlock(long busyNanos);
    }

    SegmentCompressor(int level) {
        this(level, Pacer.NONE);
    }

    SegmentCompressor(int level, Pacer pacer) {
        this.level = level;
        this.pacer = pacer;
    }

    static String fileName(long basePosition) {
        return String.format("%020d.zlog", basePosition);
    }

    /**
     * Writes {@code seg} (sealed, {@code records} records) as {@code dir/<base>.zlog} and returns its path; durable
     * when this returns.
     *
     * @throws CorruptionException if a record of {@code seg} fails its CRC (nothing is written)
     */
    Path write(LogFile seg, int records, Path dir) throws IOException {
        return write(seg, records, dir, new int[0]);
    }

    /**
     * The same, with the records at {@code deleteOffsets} (ascending plain offsets) turned into deleted events'
     * ({@link FrameCodec#delete}); the result replaces an existing {@code <base>.zlog} atomically.
     */
    Path write(LogFile seg, int records, Path dir, int[] deleteOffsets) throws IOException {
        Path target = dir.resolve(fileName(seg.basePosition()));
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        int extent = recordsEnd(seg, records);
        int maxBlocks = 64;
        int[] start = new int[maxBlocks];
        long[] fileOffset = new long[maxBlocks];
        int[] length = new int[maxBlocks];
        int[] crc = new int[maxBlocks];
        int n = 0;
        int nextDelete = 0;
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long at = Segment.HEADER_BYTES;
            int blockStart = Segment.HEADER_BYTES;
            int end = Segment.HEADER_BYTES;
            for (int r = 0; r <= records; r++) {
                int len = 0;
                if (r < records) {
                    int off = seg.offsetOf(seg.basePosition() + r);
                    if (off != end) {
                        throw new CorruptionException("record " + (seg.basePosition() + r) + " of " + seg.path()
                                + " is at offset " + off + ", not right after the previous one at " + end);
                    }
                    try (LogFile.Loc l = seg.verifiedFrame(off)) {
                        len = FrameCodec.HEADER + l.buf().getInt(l.off());
                    }
                }
                boolean full = end > blockStart && end + len - blockStart > BLOCK_BYTES;
                if ((full || r == records) && end > blockStart) {
                    long t0 = System.nanoTime();
                    byte[] raw = plainBytes(seg, blockStart, end);
                    while (nextDelete < deleteOffsets.length && deleteOffsets[nextDelete] < end) {
                        FrameCodec.delete(raw, deleteOffsets[nextDelete++] - blockStart);
                    }
                    byte[] encoded = raw.clone();
                    FieldDeltas.encode(encoded);
                    byte[] z = Zstd.compress(encoded, level);
                    byte[] back = Zstd.decompress(z, raw.length);
                    FieldDeltas.decode(back);
                    if (!Arrays.equals(back, raw)) {
                        throw new IOException("zstd round trip of " + seg.path() + " at " + blockStart + " differs");
                    }
                    if (n == start.length) {
                        start = Arrays.copyOf(start, n * 2);
                        fileOffset = Arrays.copyOf(fileOffset, n * 2);
                        length = Arrays.copyOf(length, n * 2);
                        crc = Arrays.copyOf(crc, n * 2);
                    }
                    start[n] = blockStart;
                    fileOffset[n] = at;
                    length[n] = z.length;
                    crc[n] = CompressedSegment.crc(z, 0, z.length);
                    n++;
                    Segment.writeFully(out, ByteBuffer.wrap(z), at);
                    at += z.length;
                    blockStart = end;
                    pacer.afterBlock(System.nanoTime() - t0);
                }
                end += len;
            }
            ByteBuffer table = ByteBuffer.allocate(n * CompressedSegment.TABLE_ENTRY + 4);
            for (int i = 0; i < n; i++) {
                table.putInt(start[i])
                        .putLong(fileOffset[i])
                        .putInt(length[i] | CompressedSegment.FIELD_DELTAS)
                        .putInt(crc[i]);
            }
            table.putInt(CompressedSegment.crc(table.array(), 0, n * CompressedSegment.TABLE_ENTRY));
            Segment.writeFully(out, table.flip(), at);
            Segment.writeFully(out, header(seg.basePosition(), n, at, extent, records), 0);
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Segment.forceDirectory(dir);
        return target;
    }

    private static int frameLength(LogFile seg, int offset) {
        try (LogFile.Loc l = seg.locate(offset)) {
            return FrameCodec.HEADER + l.buf().getInt(l.off());
        }
    }

    /** End of the last record: where the plain segment's data stops (the rest is preallocated zeros). */
    private static int recordsEnd(LogFile seg, int records) {
        if (records == 0) {
            return Segment.HEADER_BYTES;
        }
        int last = seg.offsetOf(seg.basePosition() + records - 1);
        return last + frameLength(seg, last);
    }

    private static byte[] plainBytes(LogFile seg, int from, int to) {
        byte[] out = new byte[to - from];
        try (LogFile.Loc l = seg.locate(from)) {
            l.buf().get(l.off(), out);
        }
        return out;
    }

    private static ByteBuffer header(long base, int blocks, long tableOffset, int extent, int records) {
        ByteBuffer h = ByteBuffer.allocate(Segment.HEADER_BYTES);
        h.put(CompressedSegment.MAGIC).putInt(CompressedSegment.FORMAT);
        h.putLong(CompressedSegment.OFF_BASE, base);
        h.putInt(CompressedSegment.OFF_BLOCKS, blocks);
        h.putLong(CompressedSegment.OFF_TABLE, tableOffset);
        h.putInt(CompressedSegment.OFF_EXTENT, extent);
        h.putInt(CompressedSegment.OFF_RECORDS, records);
        h.putInt(CompressedSegment.OFF_CODEC, CompressedSegment.CODEC_ZSTD);
        h.putInt(
                CompressedSegment.OFF_HEADER_CRC,
                CompressedSegment.crc(h.array(), 0, CompressedSegment.OFF_HEADER_CRC));
        return h.clear();
    }
}
