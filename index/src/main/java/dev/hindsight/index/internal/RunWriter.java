package dev.hindsight.index.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes one {@link RunFile} in a single sequential pass: pairs must come sorted by unsigned key then value. The
 * entries and the bloom filter are streamed page by page (bloom blocks are chosen monotonically in the key, so they
 * fill in order); only the per-page CRCs (one int per 4 KiB) are held in memory. Not thread-safe.
 */
public final class RunWriter implements AutoCloseable {
    private final Path path;
    private final FileChannel ch;
    private final long count;
    private final long blocks;
    private final long bloomStart;
    private final int[] crcs;
    private final ByteBuffer entryPage = ByteBuffer.allocate(RunFile.PAGE);
    private final ByteBuffer bloomPage = ByteBuffer.allocate(RunFile.PAGE);
    private final int level;
    private final long from;
    private final long to;
    private long written;
    private int entryPageIndex;
    private int bloomPageIndex; // relative to the first bloom page
    private long lastKey;
    private long lastValue;

    /** Starts a run of exactly {@code count} pairs at {@code path} (created or truncated). */
    public RunWriter(Path path, int level, long count, long from, long to) throws IOException {
        this.path = path;
        this.level = level;
        this.count = count;
        this.from = from;
        this.to = to;
        this.blocks = RunFile.bloomBlocks(count);
        int entryPages = RunFile.pages(count * RunFile.ENTRY);
        this.bloomStart = RunFile.PAGE + (long) entryPages * RunFile.PAGE;
        this.crcs = new int[entryPages + RunFile.pages(blocks * 64)];
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
        if (written == count) {
            throw new IllegalStateException("more than " + count + " pairs for " + path);
        }
        entryPage.putLong(key).putLong(value);
        if (!entryPage.hasRemaining()) {
            flushEntryPage();
        }
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

    private void flushEntryPage() throws IOException {
        writePage(entryPage, RunFile.PAGE + (long) entryPageIndex * RunFile.PAGE, entryPageIndex);
        entryPageIndex++;
    }

    private void flushBloomPage() throws IOException {
        int crcIndex = crcs.length - RunFile.pages(blocks * 64) + bloomPageIndex;
        writePage(bloomPage, bloomStart + (long) bloomPageIndex * RunFile.PAGE, crcIndex);
        bloomPageIndex++;
    }

    private void writePage(ByteBuffer page, long at, int crcIndex) throws IOException {
        while (page.position() < RunFile.PAGE && page.position() > 0) {
            page.put((byte) 0); // pad the last entry page
        }
        CRC32C crc = new CRC32C();
        crc.update(page.array(), 0, RunFile.PAGE);
        crcs[crcIndex] = (int) crc.getValue();
        FileOps.writeFully(ch, ByteBuffer.wrap(page.array()), at);
        java.util.Arrays.fill(page.array(), (byte) 0);
        page.clear();
    }

    /** Writes the rest (last pages, CRCs, header) and forces the file; the caller then renames it into place. */
    public void finish() throws IOException {
        if (written != count) {
            throw new IllegalStateException(written + " of " + count + " pairs written to " + path);
        }
        if (entryPage.position() > 0) {
            flushEntryPage();
        }
        int bloomPages = RunFile.pages(blocks * 64);
        while (bloomPageIndex < bloomPages) {
            flushBloomPage();
        }
        ByteBuffer c = ByteBuffer.allocate(4 * crcs.length);
        c.asIntBuffer().put(crcs);
        FileOps.writeFully(ch, c, bloomStart + (long) bloomPages * RunFile.PAGE);
        ByteBuffer h = ByteBuffer.allocate(64);
        h.putLong(RunFile.MAGIC)
                .putInt(RunFile.FORMAT)
                .putInt(level)
                .putLong(count)
                .putLong(from)
                .putLong(to);
        h.putLong(blocks).putInt(entryPageIndex).putInt(bloomPages).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 60);
        h.putInt((int) crc.getValue()).flip();
        FileOps.writeFully(ch, h, 0);
        ch.force(true);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
