package dev.hindsight.index.internal;

import dev.hindsight.index.IndexCorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;

/**
 * One immutable sorted run of (key, value) pairs, memory-mapped. Every 4 KiB page (entries and bloom filter) has a
 * CRC32C that is checked the first time a lookup touches the page, so a damaged page is reported instead of giving a
 * wrong answer; a bit per page remembers which pages passed (the only heap this class needs besides its header).
 * Thread-safety: thread-safe; the verified-page bits are set racily, which at worst verifies a page twice.
 *
 * <p>Format (big-endian): a 4 KiB header page (magic {@code HSRUN001}, int format 1, int level, long count, long
 * from, long to, long bloom blocks, int entry pages, int bloom pages, int 0, int CRC32C of the preceding 60 bytes);
 * then the entries, 16 bytes each (long key, long value), sorted by unsigned key then value, zero-padded to a page;
 * then the bloom filter, 64-byte blocks padded to a page; then one int CRC32C per entry and bloom page.
 */
public final class RunFile {
    static final long MAGIC = 0x485352554E303031L; // "HSRUN001"
    static final int FORMAT = 1;
    static final int PAGE = 4096;
    static final int ENTRY = 16;
    static final int ENTRIES_PER_PAGE = PAGE / ENTRY;
    static final int BLOOM_BITS_PER_KEY = 10;
    static final int BLOCK_BITS = 512;
    static final int HASHES = 6;

    private final MappedFile file;
    private final int level;
    private final long count;
    private final long from;
    private final long to;
    private final long bloomBlocks;
    private final int entryPages;
    private final long bloomStart;
    private final long crcStart;
    private final long[] verified;

    private RunFile(MappedFile file, ByteBuffer h) {
        this.file = file;
        this.level = h.getInt(12);
        this.count = h.getLong(16);
        this.from = h.getLong(24);
        this.to = h.getLong(32);
        this.bloomBlocks = h.getLong(40);
        this.entryPages = h.getInt(48);
        int bloomPages = h.getInt(52);
        this.bloomStart = PAGE + (long) entryPages * PAGE;
        this.crcStart = bloomStart + (long) bloomPages * PAGE;
        this.verified = new long[(entryPages + bloomPages + 63) >>> 6];
    }

    /**
     * Maps and checks a run file's header and size (constant work).
     *
     * @throws IndexCorruptionException if the header or the size is wrong
     */
    public static RunFile open(Path path) throws IOException {
        MappedFile f = MappedFile.map(path);
        if (f.size() < PAGE) {
            throw new IndexCorruptionException(path, "shorter than its header");
        }
        ByteBuffer h = ByteBuffer.allocate(64);
        for (int i = 0; i < 8; i++) {
            h.putLong(i * 8, f.getLong(i * 8L));
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 60);
        if (h.getLong(0) != MAGIC || h.getInt(8) != FORMAT || h.getInt(60) != (int) crc.getValue()) {
            throw new IndexCorruptionException(path, "bad header");
        }
        RunFile r = new RunFile(f, h);
        if (r.entryPages != pages(r.count * ENTRY)
                || r.bloomBlocks != bloomBlocks(r.count)
                || f.size() != r.crcStart + 4L * (r.entryPages + pages(r.bloomBlocks * 64))) {
            throw new IndexCorruptionException(path, "size does not match its header");
        }
        return r;
    }

    static int pages(long bytes) {
        return Math.toIntExact((bytes + PAGE - 1) / PAGE);
    }

    static long bloomBlocks(long count) {
        return Math.max(1, (count * BLOOM_BITS_PER_KEY + BLOCK_BITS - 1) / BLOCK_BITS);
    }

    /** The bloom block of {@code key}: monotone in the unsigned key, so a sorted writer fills blocks in order. */
    static long block(long key, long blocks) {
        return Math.unsignedMultiplyHigh(key, blocks);
    }

    /** The bit (0..511) of hash {@code j} of {@code key} inside its block. */
    static int bit(long key, int j) {
        return (int) ((bloomHash(key) >>> (9 * j)) & (BLOCK_BITS - 1));
    }

    static long bloomHash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    public Path path() {
        return file.path();
    }

    public int level() {
        return level;
    }

    public long count() {
        return count;
    }

    /** First value-space position this run covers (for example the first log position). */
    public long from() {
        return from;
    }

    /** Last position this run covers. */
    public long to() {
        return to;
    }

    public long key(long i) {
        long off = PAGE + i * ENTRY;
        verify(off);
        return file.getLong(off);
    }

    public long value(long i) {
        long off = PAGE + i * ENTRY + 8;
        verify(off);
        return file.getLong(off);
    }

    /** Whether {@code key} may be present (no false negatives on an intact file). */
    public boolean mightContain(long key) {
        long base = bloomStart + block(key, bloomBlocks) * 64;
        verify(base);
        long h = bloomHash(key);
        for (int j = 0; j < HASHES; j++) {
            int b = (int) ((h >>> (9 * j)) & (BLOCK_BITS - 1));
            if ((file.getLong(base + 8L * (b >>> 6)) & (1L << (b & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Visits the values stored under {@code key}, ascending or descending, until {@code visitor} returns false.
     *
     * @return false if the visitor stopped the visit
     */
    public boolean forEach(long key, boolean ascending, LongPredicate visitor) {
        if (count == 0 || !mightContain(key)) {
            return true;
        }
        long lo = lowerBound(key);
        if (lo == count || key(lo) != key) {
            return true;
        }
        if (ascending) {
            for (long i = lo; i < count && key(i) == key; i++) {
                if (!visitor.test(value(i))) {
                    return false;
                }
            }
            return true;
        }
        long hi = lo;
        while (hi + 1 < count && key(hi + 1) == key) {
            hi++;
        }
        for (long i = hi; i >= lo; i--) {
            if (!visitor.test(value(i))) {
                return false;
            }
        }
        return true;
    }

    /** First index whose key is ≥ {@code key} (unsigned). */
    private long lowerBound(long key) {
        long lo = 0;
        long hi = count;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(key(mid), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void verify(long offset) {
        int page = (int) ((offset - PAGE) / PAGE);
        long bit = 1L << (page & 63);
        if ((verified[page >>> 6] & bit) != 0) {
            return;
        }
        if (file.crc(PAGE + (long) page * PAGE, PAGE) != file.getInt(crcStart + 4L * page)) {
            throw new IndexCorruptionException(file.path(), "page " + page + " fails its CRC");
        }
        verified[page >>> 6] |= bit;
    }
}
