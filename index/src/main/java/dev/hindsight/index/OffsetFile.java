package dev.hindsight.index;

import dev.hindsight.index.internal.FileOps;
import dev.hindsight.index.internal.MappedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * A dense, immutable array of 32-bit offsets on disk, memory-mapped: entry {@code i} is the offset of record
 * {@code base + i} in one sealed segment. Written once when the segment is sealed; rebuilt from the segment if it is
 * missing or damaged. The CRC of the entries is checked on first use (a few milliseconds for a 256 MiB segment), not
 * on open, so opening a store touches only the headers. Thread-safe.
 *
 * <p>Format (big-endian): magic {@code HSOFF001}, long base, int count, int CRC32C of the entries, int 0, int CRC32C
 * of the preceding 28 bytes; then {@code count} ints.
 */
public final class OffsetFile {
    private static final long MAGIC = 0x48534F4646303031L; // "HSOFF001"
    private static final int HEADER = 32;

    private final MappedFile file;
    private final long base;
    private final int count;
    private final int crc;
    private volatile boolean verified;

    private OffsetFile(MappedFile file, long base, int count, int crc) {
        this.file = file;
        this.base = base;
        this.count = count;
        this.crc = crc;
    }

    /** Writes {@code offsets[0 .. count)} for records {@code base ..} durably (temp file, fsync, rename). */
    public static void write(Path path, long base, int[] offsets, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 4 * count);
        b.position(HEADER);
        b.asIntBuffer().put(offsets, 0, count);
        CRC32C entries = new CRC32C();
        entries.update(b.array(), HEADER, 4 * count);
        b.putLong(0, MAGIC).putLong(8, base).putInt(16, count).putInt(20, (int) entries.getValue());
        CRC32C header = new CRC32C();
        header.update(b.array(), 0, 28);
        b.putInt(28, (int) header.getValue());
        b.position(0);
        FileOps.writeAtomically(path, b);
    }

    /**
     * Maps {@code path} if it exists and its header says it holds {@code count} offsets from {@code base}.
     *
     * @return the file, or {@code null} if it is missing or does not match (the caller rebuilds it)
     */
    public static @Nullable OffsetFile open(Path path, long base, int count) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        MappedFile f = MappedFile.map(path);
        if (f.size() != HEADER + 4L * count || count < 0) {
            return null;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        for (int i = 0; i < 4; i++) {
            h.putLong(8 * i, f.getLong(8L * i));
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 28);
        if (h.getLong(0) != MAGIC
                || h.getLong(8) != base
                || h.getInt(16) != count
                || h.getInt(28) != (int) crc.getValue()) {
            return null;
        }
        return new OffsetFile(f, base, count, h.getInt(20));
    }

    public int count() {
        return count;
    }

    /**
     * The offset of record {@code position}.
     *
     * @throws IndexCorruptionException if the file fails its CRC (checked on first use)
     */
    public int offset(long position) {
        if (!verified) {
            verify();
        }
        return file.getInt(HEADER + 4L * (position - base));
    }

    private void verify() {
        int c = count == 0 ? (int) new CRC32C().getValue() : file.crc(HEADER, 4 * count);
        if (c != crc) {
            throw new IndexCorruptionException(file.path(), "offsets fail their CRC");
        }
        verified = true;
    }
}
