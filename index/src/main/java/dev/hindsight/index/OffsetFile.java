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
 * <p>Format 2 (written; big-endian): magic {@code HSOFF002}, long base, int count, int CRC32C of everything after the
 * header, int 0, int CRC32C of the preceding 28 bytes; then per group of {@value #GROUP} entries an {@code int} anchor
 * (the group's first offset) and an {@code int} file offset of the group's entries (top bit: wide); then the groups'
 * entries: an unsigned {@code short} difference to the anchor each, or, for a wide group (one difference above
 * 65,535: a record of more than ~64 KiB among them), an {@code int} offset each. About 2.1 bytes per record instead
 * of 4.
 *
 * <p>Format 1 (earlier builds, still read): magic {@code HSOFF001}, the same header with the CRC over the entries,
 * then {@code count} ints.
 */
public final class OffsetFile {
    private static final long MAGIC_V1 = 0x48534F4646303031L; // "HSOFF001"
    private static final long MAGIC = 0x48534F4646303032L; // "HSOFF002"
    private static final int HEADER = 32;
    static final int GROUP = 64;
    private static final int WIDE = 0x80000000;

    private final MappedFile file;
    private final boolean v1;
    private final long base;
    private final int count;
    private final int crc;
    private volatile boolean verified;

    private OffsetFile(MappedFile file, boolean v1, long base, int count, int crc) {
        this.file = file;
        this.v1 = v1;
        this.base = base;
        this.count = count;
        this.crc = crc;
    }

    /** Writes {@code offsets[0 .. count)} for records {@code base ..} durably (temp file, fsync, rename). */
    public static void write(Path path, long base, int[] offsets, int count) throws IOException {
        int groups = (count + GROUP - 1) / GROUP;
        boolean[] wide = new boolean[groups];
        long size = HEADER + 8L * groups;
        for (int g = 0; g < groups; g++) {
            int from = g * GROUP;
            int to = Math.min(count, from + GROUP);
            for (int i = from; i < to; i++) {
                long d = (long) offsets[i] - offsets[from];
                wide[g] |= d < 0 || d > 0xFFFF;
            }
            size += (long) (to - from) * (wide[g] ? 4 : 2);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size));
        int at = HEADER + 8 * groups;
        for (int g = 0; g < groups; g++) {
            int from = g * GROUP;
            int to = Math.min(count, from + GROUP);
            b.putInt(HEADER + 8 * g, offsets[from]).putInt(HEADER + 8 * g + 4, at | (wide[g] ? WIDE : 0));
            for (int i = from; i < to; i++) {
                if (wide[g]) {
                    b.putInt(at, offsets[i]);
                    at += 4;
                } else {
                    b.putShort(at, (short) (offsets[i] - offsets[from]));
                    at += 2;
                }
            }
        }
        CRC32C entries = new CRC32C();
        entries.update(b.array(), HEADER, b.capacity() - HEADER);
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
        if (!Files.exists(path) || count < 0) {
            return null;
        }
        MappedFile f = MappedFile.map(path);
        if (f.size() < HEADER) {
            return null;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        for (int i = 0; i < 4; i++) {
            h.putLong(8 * i, f.getLong(8L * i));
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 28);
        long magic = h.getLong(0);
        long groups = (count + GROUP - 1) / GROUP;
        boolean sizeFits = magic == MAGIC_V1
                ? f.size() == HEADER + 4L * count
                : f.size() >= HEADER + 8 * groups + 2L * count && f.size() <= HEADER + 8 * groups + 4L * count;
        if ((magic != MAGIC && magic != MAGIC_V1)
                || !sizeFits
                || h.getLong(8) != base
                || h.getInt(16) != count
                || h.getInt(28) != (int) crc.getValue()) {
            return null;
        }
        return new OffsetFile(f, magic == MAGIC_V1, base, count, h.getInt(20));
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
        int i = Math.toIntExact(position - base);
        if (v1) {
            return file.getInt(HEADER + 4L * i);
        }
        int g = i / GROUP;
        int anchor = file.getInt(HEADER + 8L * g);
        int at = file.getInt(HEADER + 8L * g + 4);
        int k = i % GROUP;
        if ((at & WIDE) != 0) {
            return file.getInt((at & ~WIDE) + 4L * k);
        }
        return anchor + Short.toUnsignedInt(file.getShort(at + 2L * k));
    }

    private void verify() {
        long body = file.size() - HEADER;
        int c = body == 0 ? (int) new CRC32C().getValue() : file.crc(HEADER, Math.toIntExact(body));
        if (c != crc) {
            throw new IndexCorruptionException(file.path(), "offsets fail their CRC");
        }
        verified = true;
    }
}
