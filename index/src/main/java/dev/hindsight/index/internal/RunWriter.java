package dev.hindsight.index.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes one {@link RunFile} (format 3) in a single sequential pass: pairs must come sorted by unsigned key then
 * value. The bloom filter (its size follows from the count, so it comes first) and the packed entry pages are streamed
 * page by page (bloom blocks are chosen monotonically in the key, so they fill in order); only the per-page CRCs (one
 * int per 4 KiB) are held in memory. Not thread-safe.
 */
public final class RunWriter implements AutoCloseable {
    private static final int MAX_ENTRY = 20; // two varints of at most 10 bytes

    private final Path path;
    private final FileChannel ch;
    private final long count;
    private final long keys;
    private final long blocks;
    private final int bloomPages;
    private final long entryStart;
    private final int[] bloomCrcs;
    private int[] entryCrcs = new int[16];
    private final ByteBuffer entryPage = ByteBuffer.allocate(RunFile.PAGE);
    private final ByteBuffer bloomPage = ByteBuffer.allocate(RunFile.PAGE);
    private final int level;
    private final long from;
    private final long to;
    private final int keyBits;
    private final long lowBits; // must be zero in every key
    private long written;
    private int inPage; // pairs in the current entry page
    private int entryPageIndex;
    private int bloomPageIndex;
    private long lastKey;
    private long lastValue;

    /**
     * Starts a run of exactly {@code count} pairs with at most {@code keys} distinct keys at {@code path} (created or
     * truncated); the bloom filter is sized for {@code keys}. Only the high {@code keyBits} bits of a key may be set.
     */
    public RunWriter(Path path, int level, long count, long keys, long from, long to, int keyBits) throws IOException {
        if (keys < 0 || keys > count || (keys == 0) != (count == 0)) {
            throw new IllegalArgumentException("keys must be 1.." + count + ", was " + keys);
        }
        if (keyBits < 1 || keyBits > 64) {
            throw new IllegalArgumentException("keyBits must be 1..64, was " + keyBits);
        }
        this.keyBits = keyBits;
        this.lowBits = keyBits == 64 ? 0 : -1L >>> keyBits;
        this.path = path;
        this.level = level;
        this.count = count;
        this.keys = keys;
        this.from = from;
        this.to = to;
        this.blocks = RunFile.bloomBlocks(keys);
        this.bloomPages = RunFile.pages(blocks * 64);
        this.entryStart = RunFile.PAGE + (long) bloomPages * RunFile.PAGE;
        this.bloomCrcs = new int[bloomPages];
        this.ch = FileChannel.open(
                path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    /** Adds the next pair; pairs must be in ascending (unsigned key, value) order. */
    public void add(long key, long value) throws IOException {
        if (written > 0) {
            int c = Long.compareUnsigned(key, lastKey);
            if (c < 0 || (c == 0 && value <= lastValue)) {
                throw new IllegalArgumentException("pairs out of order at " + written + " in " + path);
            }
        }
        if ((key & lowBits) != 0) {
            throw new IllegalArgumentException("key has more than " + keyBits + " significant bits in " + path);
        }
        if (written == count) {
            throw new IllegalStateException("more than " + count + " pairs for " + path);
        }
        if (inPage > 0 && entryPage.remaining() < MAX_ENTRY) {
            flushEntryPage();
        }
        if (inPage == 0) {
            entryPage.putInt(0).putLong(key).putLong(value);
        } else if (key == lastKey) {
            putVarint(0);
            putVarint(value - lastValue);
        } else {
            putVarint((key - lastKey) >>> (64 - keyBits));
            long d = value - lastValue;
            putVarint((d << 1) ^ (d >> 63));
        }
        inPage++;
        long block = RunFile.block(key, blocks);
        int page = (int) (block * 64 / RunFile.PAGE);
        while (bloomPageIndex < page) {
            flushBloomPage();
        }
        int base = (int) (block * 64 % RunFile.PAGE);
        long h = RunFile.bloomHash(key);
        for (int j = 0; j < RunFile.HASHES; j++) {
            int b = (int) ((h >>> (9 * j)) & (RunFile.BLOCK_BITS - 1));
            int at = base + 8 * (b >>> 6);
            bloomPage.putLong(at, bloomPage.getLong(at) | (1L << (b & 63)));
        }
        lastKey = key;
        lastValue = value;
        written++;
    }

    private void putVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            entryPage.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        entryPage.put((byte) v);
    }

    private void flushEntryPage() throws IOException {
        entryPage.putInt(0, inPage);
        if (entryPageIndex == entryCrcs.length) {
            entryCrcs = Arrays.copyOf(entryCrcs, entryPageIndex * 2);
        }
        entryCrcs[entryPageIndex] = writePage(entryPage, entryStart + (long) entryPageIndex * RunFile.PAGE);
        entryPageIndex++;
        inPage = 0;
    }

    private void flushBloomPage() throws IOException {
        bloomCrcs[bloomPageIndex] = writePage(bloomPage, RunFile.PAGE + (long) bloomPageIndex * RunFile.PAGE);
        bloomPageIndex++;
    }

    /** Writes a whole page (zero-padded) at {@code at} and returns its CRC32C. */
    private int writePage(ByteBuffer page, long at) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(page.array(), 0, RunFile.PAGE);
        FileOps.writeFully(ch, ByteBuffer.wrap(page.array()), at);
        Arrays.fill(page.array(), (byte) 0);
        page.clear();
        return (int) crc.getValue();
    }

    /** Writes the rest (last pages, CRCs, header) and forces the file; the caller then renames it into place. */
    public void finish() throws IOException {
        if (written != count) {
            throw new IllegalStateException(written + " of " + count + " pairs written to " + path);
        }
        if (inPage > 0) {
            flushEntryPage();
        }
        while (bloomPageIndex < bloomPages) {
            flushBloomPage();
        }
        ByteBuffer c = ByteBuffer.allocate(4 * (bloomPages + entryPageIndex));
        c.asIntBuffer().put(bloomCrcs).put(entryCrcs, 0, entryPageIndex);
        FileOps.writeFully(ch, c, entryStart + (long) entryPageIndex * RunFile.PAGE);
        ByteBuffer h = ByteBuffer.allocate(RunFile.HEADER_V3);
        h.putLong(RunFile.MAGIC)
                .putInt(RunFile.FORMAT)
                .putInt(level)
                .putLong(count)
                .putLong(from)
                .putLong(to);
        h.putLong(blocks)
                .putInt(entryPageIndex)
                .putInt(bloomPages)
                .putLong(keys)
                .putInt(keyBits);
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, RunFile.HEADER_V3 - 4);
        h.putInt((int) crc.getValue()).flip();
        FileOps.writeFully(ch, h, 0);
        ch.force(true);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
