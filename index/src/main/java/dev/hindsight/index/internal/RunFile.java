package dev.hindsight.index.internal;

import dev.hindsight.index.IndexCorruptionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;

/**
 * One immutable sorted run of (key, value) pairs, memory-mapped. Every 4 KiB page (entries and bloom filter) has a
 * CRC32C that is checked the first time a lookup touches the page, so a damaged page is reported instead of giving a
 * wrong answer; a bit per page remembers which pages passed (the only heap this class needs besides its header).
 * Thread-safety: thread-safe; the verified-page bits are set racily, which at worst verifies a page twice.
 *
 * <p>Format 3 (written; big-endian): a 4 KiB header page (magic {@code HSRUN001}, int format 3, int level, long
 * count, long from, long to, long bloom blocks, int entry pages, int bloom pages, long keys (at most this many
 * distinct keys: the bloom filter is sized for them, not for the pairs, so an aggregate's ten positions cost one
 * key's bits), int key bits B (1–64: every key's low {@code 64 - B} bits are zero), int CRC32C of the preceding 68
 * bytes); then the bloom filter, 64-byte blocks padded to a page; then the entry pages; then one int CRC32C per
 * page in file order (bloom pages, then entry pages). The entries are sorted by unsigned key then value and packed
 * per page: {@code int n} (entries in the page), the first entry as {@code long key, long value}, then {@code n - 1}
 * entries as a varint of the key's unsigned difference to the previous key shifted right by {@code 64 - B} and
 * then, if that is 0 (same key), a varint of the value's difference to the previous value, else the value's
 * difference as a zigzag varint; the rest of the page is zeros. A key with several values (an aggregate's positions)
 * thus costs a few bytes per value, and a run of {@code n} keys of B bits about {@code B - log2(n)} bits per key.
 *
 * <p>Format 2 (earlier builds, still read): format 3 with 64-bit keys and without the key-bits field (the CRC covers
 * the 64 bytes before it).
 *
 * <p>Format 1 (earlier builds, still read): the same header with format 1 and {@code int 0, int CRC32C} of the 60
 * bytes before in place of the keys and CRC (its bloom filter is sized for the pairs), then the entries, 16 bytes each
 * ({@code long key, long value}), zero-padded to a page; then the bloom filter; then one CRC per entry and bloom page.
 */
public final class RunFile {
    static final long MAGIC = 0x485352554E303031L; // "HSRUN001"
    static final int FORMAT = 3;
    static final int PAGE = 4096;
    static final int PAGE_HEADER = 20;
    static final int HEADER_V2 = 68;
    static final int HEADER_V3 = 72;
    static final int ENTRY_V1 = 16;
    static final int ENTRIES_PER_PAGE_V1 = PAGE / ENTRY_V1;
    static final int BLOOM_BITS_PER_KEY = 10;
    static final int BLOCK_BITS = 512;
    static final int HASHES = 6;

    private final MappedFile file;
    private final int format;
    private final int level;
    private final long count;
    private final long keys;
    private final int keyBits;
    private final long from;
    private final long to;
    private final long bloomBlocks;
    private final int entryPages;
    private final int bloomPages;
    private final long entryStart;
    private final long bloomStart;
    private final long crcStart;
    private final long[] verified;

    private RunFile(MappedFile file, ByteBuffer h) {
        this.file = file;
        this.format = h.getInt(8);
        this.level = h.getInt(12);
        this.count = h.getLong(16);
        this.from = h.getLong(24);
        this.to = h.getLong(32);
        this.bloomBlocks = h.getLong(40);
        this.entryPages = h.getInt(48);
        this.bloomPages = h.getInt(52);
        this.keys = format == 1 ? count : h.getLong(56);
        this.keyBits = format == 3 ? h.getInt(64) : 64;
        if (format == 1) {
            this.entryStart = PAGE;
            this.bloomStart = PAGE + (long) entryPages * PAGE;
        } else {
            this.bloomStart = PAGE;
            this.entryStart = PAGE + (long) bloomPages * PAGE;
        }
        this.crcStart = PAGE + (long) (entryPages + bloomPages) * PAGE;
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
        ByteBuffer h = ByteBuffer.allocate(72);
        for (int i = 0; i < 9; i++) {
            h.putLong(i * 8, f.getLong(i * 8L));
        }
        int format = h.getInt(8);
        int crcAt = format == 1 ? 60 : format == 2 ? HEADER_V2 - 4 : HEADER_V3 - 4;
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, crcAt);
        if (h.getLong(0) != MAGIC
                || format < 1
                || format > FORMAT
                || h.getInt(crcAt) != (int) crc.getValue()
                || (format == 3 && (h.getInt(64) < 1 || h.getInt(64) > 64))) {
            throw new IndexCorruptionException(path, "bad header");
        }
        RunFile r = new RunFile(f, h);
        boolean entryPagesFit = format == 1
                ? r.entryPages == pages(r.count * ENTRY_V1)
                : r.entryPages >= 0
                        && r.entryPages <= r.count
                        && (r.count == 0) == (r.entryPages == 0)
                        && r.keys >= 0
                        && r.keys <= r.count
                        && (r.count == 0) == (r.keys == 0);
        if (!entryPagesFit
                || r.bloomBlocks != bloomBlocks(r.keys)
                || r.bloomPages != pages(r.bloomBlocks * 64)
                || f.size() != r.crcStart + 4L * (r.entryPages + r.bloomPages)) {
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

    /** At most this many distinct keys (the pairs, for format 1); merges size their bloom filter with the sum. */
    public long keys() {
        return keys;
    }

    /**
     * Significant high bits of the keys (64 for runs of earlier builds); the low {@code 64 - keyBits} are zero.
     */
    public int keyBits() {
        return keyBits;
    }

    /** The on-disk format of this run: 3 or 2 (packed pages) or 1 (fixed 16-byte entries, earlier builds). */
    public int format() {
        return format;
    }

    /** First value-space position this run covers (for example the first log position). */
    public long from() {
        return from;
    }

    /** Last position this run covers. */
    public long to() {
        return to;
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
        if (!ascending) {
            return forEachDescending(key, visitor);
        }
        Cursor c = new Cursor(Math.max(0, pageAfter(key, false) - 1));
        while (c.next() && Long.compareUnsigned(c.key, key) < 0) {
            // skip the smaller keys of the page before
        }
        if (c.done || c.key != key) {
            return true;
        }
        do {
            if (!visitor.test(c.value)) {
                return false;
            }
        } while (c.next() && c.key == key);
        return true;
    }

    /**
     * Visits the values of {@code key} newest first, page by page from the last page that can hold it backwards, so
     * memory stays one page's worth however many values the key has.
     */
    private boolean forEachDescending(long key, LongPredicate visitor) {
        long[] values = new long[64];
        for (int p = pageAfter(key, true) - 1; p >= 0; p--) {
            Cursor c = new Cursor(p);
            c.next(); // loads page p
            boolean startsBelow = Long.compareUnsigned(c.key, key) < 0;
            int n = 0;
            while (true) {
                int cmp = Long.compareUnsigned(c.key, key);
                if (cmp > 0) {
                    break;
                }
                if (cmp == 0) {
                    if (n == values.length) {
                        values = Arrays.copyOf(values, n * 2);
                    }
                    values[n++] = c.value;
                }
                if (c.left == 0) {
                    break;
                }
                c.next();
            }
            for (int i = n - 1; i >= 0; i--) {
                if (!visitor.test(values[i])) {
                    return false;
                }
            }
            if (startsBelow) {
                return true; // the key's first value is in this page (or the key is absent)
            }
        }
        return true;
    }

    /** A cursor over all pairs in order, for merges. */
    public Cursor cursor() {
        return new Cursor(0);
    }

    /**
     * The first page whose first key is ≥ {@code key} (or > {@code key} if {@code strictly}), or the page count: a
     * binary search over the pages' first keys. A key's pairs start at most one page before the first of these pages
     * with ≥, since they can continue across pages, and end before the first with >.
     */
    private int pageAfter(long key, boolean strictly) {
        int lo = 0;
        int hi = entryPages;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long at = entryStart + (long) mid * PAGE;
            verify(at);
            int c = Long.compareUnsigned(file.getLong(format == 1 ? at : at + 4), key);
            if (c < 0 || (strictly && c == 0)) {
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

    /**
     * Reads the pairs in order from a page on, page by page (each page CRC-checked on first use). Not thread-safe;
     * one per visit.
     */
    public final class Cursor {
        private final byte[] page = new byte[PAGE];
        private final ByteBuffer buf = ByteBuffer.wrap(page);
        private int pageIndex;
        private int left; // pairs left in the current page
        private int at; // read offset in the page (format 2)
        private boolean done;
        private long key;
        private long value;

        private Cursor(int firstPage) {
            this.pageIndex = firstPage - 1;
        }

        /** Moves to the next pair; false at the end of the run. */
        public boolean next() {
            if (done) {
                return false;
            }
            if (left == 0) {
                if (++pageIndex >= entryPages) {
                    done = true;
                    return false;
                }
                load();
                return true;
            }
            left--;
            if (format == 1) {
                key = getLong(at);
                value = getLong(at + 8);
                at += ENTRY_V1;
                return true;
            }
            long keyDelta = varint();
            if (keyDelta == 0) {
                long d = varint();
                if (d <= 0) {
                    throw corrupt("a value that does not ascend");
                }
                value += d;
            } else {
                long z = varint();
                key += keyDelta << (64 - keyBits);
                value += (z >>> 1) ^ -(z & 1);
            }
            return true;
        }

        public long key() {
            return key;
        }

        public long value() {
            return value;
        }

        private void load() {
            long off = entryStart + (long) pageIndex * PAGE;
            verify(off);
            file.read(off, page);
            if (format == 1) {
                long inPage = Math.min(ENTRIES_PER_PAGE_V1, count - (long) pageIndex * ENTRIES_PER_PAGE_V1);
                left = (int) inPage - 1;
                key = getLong(0);
                value = getLong(8);
                at = ENTRY_V1;
                return;
            }
            int n = buf.getInt(0);
            if (n < 1 || n > PAGE / 2) {
                throw corrupt("a page count of " + n);
            }
            left = n - 1;
            key = getLong(4);
            value = getLong(12);
            at = PAGE_HEADER;
        }

        private long getLong(int off) {
            return buf.getLong(off);
        }

        private long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at >= PAGE) {
                    throw corrupt("an entry past the end of page " + pageIndex);
                }
                byte b = page[at++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw corrupt("a varint longer than 10 bytes");
        }

        private IndexCorruptionException corrupt(String what) {
            return new IndexCorruptionException(file.path(), "entry page " + pageIndex + " holds " + what);
        }
    }
}
