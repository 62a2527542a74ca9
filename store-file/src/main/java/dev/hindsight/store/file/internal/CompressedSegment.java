package dev.hindsight.store.file.internal;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * A sealed segment in the compressed format ({@code .zlog}, layout in {@code package-info}): the plain segment's
 * records, in the same offsets, cut into blocks of whole records, each compressed with zstd and checksummed. Blocks
 * and the block table are read on demand from a {@link BlockSource} (the local file, or the archive) and kept in the
 * log's bounded {@link BlockCache}. Every record is still CRC-checked when read. Thread-safe.
 */
public final class CompressedSegment extends LogFile {
    static final byte[] MAGIC = "HSZLOG01".getBytes(StandardCharsets.US_ASCII);
    /** Written: 2 (blocks may carry {@link FieldDeltas}, marked per block); 1 (earlier builds) is still read. */
    static final int FORMAT = 2;

    static final int CODEC_ZSTD = 1;
    /** Top bit of a block table entry's length: the block's records carry {@link FieldDeltas} (format 2 only). */
    static final int FIELD_DELTAS = 0x80000000;
    /** Header layout: magic, format, base, blocks, table offset, extent, records, codec, header CRC at 44. */
    static final int OFF_BASE = 12;

    static final int OFF_BLOCKS = 20;
    static final int OFF_TABLE = 24;
    static final int OFF_EXTENT = 32;
    static final int OFF_RECORDS = 36;
    static final int OFF_CODEC = 40;
    static final int OFF_HEADER_CRC = 44;
    static final int TABLE_ENTRY = 20;

    private final BlockSource source;
    private final BlockCache cache;
    private final int extent;
    private final int records;
    private final int blocks;
    private final long tableOffset;
    private final long storedBytes;
    private final boolean archived;
    /** An archived segment's manifest entry and the local copies of block tables; null for a local segment. */
    private final ArchiveManifest.@Nullable Entry entry;

    private final @Nullable ArchivedTables tables;

    /** The block table: block {@code i} holds offsets {@code [start[i], start[i+1])} and is stored at fileOffset. */
    record Table(int[] start, long[] fileOffset, int[] length, int[] crc, boolean[] deltas)
            implements BlockCache.Sized {
        @Override
        public int bytes() {
            return start.length * TABLE_ENTRY + 64;
        }
    }

    private CompressedSegment(
            int ordinal,
            long base,
            Path path,
            BlockSource source,
            BlockCache cache,
            int blocks,
            long tableOffset,
            int extent,
            int records,
            long size,
            boolean archived,
            ArchiveManifest.@Nullable Entry entry,
            @Nullable ArchivedTables tables) {
        super(ordinal, base, path);
        this.entry = entry;
        this.tables = tables;
        this.source = source;
        this.cache = cache;
        this.blocks = blocks;
        this.tableOffset = tableOffset;
        this.extent = extent;
        this.records = records;
        this.storedBytes = size;
        this.archived = archived;
    }

    /**
     * An archived segment, from its manifest entry: opening it touches nothing remote, and its block table is read from
     * {@code tables} (fetched from {@code source} and kept there only if the local copy is missing or damaged).
     */
    static CompressedSegment archived(
            int ordinal,
            Path path,
            BlockSource source,
            BlockCache cache,
            ArchiveManifest.Entry e,
            @Nullable ArchivedTables tables) {
        return new CompressedSegment(
                ordinal,
                e.base(),
                path,
                source,
                cache,
                e.blocks(),
                e.tableOffset(),
                e.extent(),
                e.records(),
                e.bytes(),
                true,
                e,
                tables);
    }

    int blocks() {
        return blocks;
    }

    long tableOffset() {
        return tableOffset;
    }

    /**
     * Opens a compressed segment over {@code source}, checking its header.
     *
     * @param path the local path it has (or would have), for messages and file names
     * @throws CorruptionException if the header is damaged or is not a compressed segment's
     */
    static CompressedSegment open(int ordinal, Path path, BlockSource source, BlockCache cache, boolean archived)
            throws IOException {
        long size = source.size();
        if (size < Segment.HEADER_BYTES) {
            throw new CorruptionException("compressed segment " + source.describe() + " is too short: " + size);
        }
        ByteBuffer h = ByteBuffer.wrap(source.read(0, Segment.HEADER_BYTES));
        if (!Arrays.equals(Arrays.copyOf(h.array(), MAGIC.length), MAGIC)
                || (h.getInt(8) != 1 && h.getInt(8) != FORMAT)
                || h.getInt(OFF_CODEC) != CODEC_ZSTD
                || h.getInt(OFF_HEADER_CRC) != crc(h.array(), 0, OFF_HEADER_CRC)) {
            throw new CorruptionException("compressed segment " + source.describe() + " has no valid header");
        }
        return new CompressedSegment(
                ordinal,
                h.getLong(OFF_BASE),
                path,
                source,
                cache,
                h.getInt(OFF_BLOCKS),
                h.getLong(OFF_TABLE),
                h.getInt(OFF_EXTENT),
                h.getInt(OFF_RECORDS),
                size,
                archived,
                null,
                null);
    }

    /** Number of records (the plain segment's). */
    int records() {
        return records;
    }

    BlockSource source() {
        return source;
    }

    @Override
    int extent() {
        return extent;
    }

    @Override
    long storedBytes() {
        return storedBytes;
    }

    @Override
    boolean archived() {
        return archived;
    }

    @Override
    Loc locate(int offset) {
        Table t = table();
        int i = Arrays.binarySearch(t.start(), offset);
        if (i < 0) {
            i = -i - 2;
        }
        if (i < 0 || offset >= extent) {
            throw new CorruptionException("offset " + offset + " is outside the blocks of " + source.describe());
        }
        int block = i;
        CachedBlock b = cache.pin(new BlockCache.Key(this, block), k -> loadBlock(t, block, true));
        return new Loc(b.data(), offset - b.start(), b);
    }

    /**
     * Most bytes between two needed blocks of an archived segment that one ranged read fetches (and drops) to get both
     * with one request instead of two; negative: one request per block. A request to an object store costs far more
     * than a few hundred KiB of transfer (docs/benchmarks.md, session 15 (h42)). A seed order's blocks lie a median 0.3
     * MiB (p90 0.9 MiB) apart in an archived segment; 1 MiB makes a 9-block cold read 2 requests of ~1.9 MB in all
     * (256 KiB: 6 requests of ~0.5 MB). Session 17 (h50) measured 256 KiB better, while blocks and ranged reads still
     * went through the heap; since blocks live off the heap and the local copy streams (session 19, h54), the client's
     * own work per request sets the slow early reads (a 13-event read's 9-10 single-block requests started ~4 ms apart
     * on two cores), and 1 MiB measured better than 256 KiB, 512 KiB and 2 MiB. Switch for A/B runs:
     * {@code -Dhindsight.archive.coalesceGapBytes}.
     */
    static final int COALESCE_GAP_BYTES = Integer.getInteger("hindsight.archive.coalesceGapBytes", 1024 * 1024);

    /**
     * The gap for a segment that no local copy will come for ({@link BlockSource#copyComing}: local copies off, or the
     * object larger than their budget), whose every read is remote: the 1 MiB gap fetched ~1.8 MB per cold read there
     * (359 MB for 200 reads against 81 MB at 256 KiB, session 19), which a copy coming soon made worth it and nothing
     * does here (docs/benchmarks.md, session 20 (h58)). Switch for A/B runs: {@code
     * -Dhindsight.archive.remoteOnlyGapBytes}.
     */
    static final int REMOTE_ONLY_GAP_BYTES = Integer.getInteger("hindsight.archive.remoteOnlyGapBytes", 256 * 1024);

    /** Most bytes one coalesced ranged read fetches ({@code -Dhindsight.archive.coalesceSpanBytes}). */
    static final int MAX_SPAN_BYTES = Integer.getInteger("hindsight.archive.coalesceSpanBytes", 2 * 1024 * 1024);

    /**
     * Loads, concurrently, the blocks holding {@code offsets} that are not cached yet: blocks close to each other in
     * the file with one ranged read ({@link #COALESCE_GAP_BYTES}; {@link #REMOTE_ONLY_GAP_BYTES} for a segment that no
     * local copy will come for), the others each with their own, so that an
     * aggregate spread over many blocks of an archived segment waits for a few requests, not for one per block. Does
     * nothing once the segment reads from local disk (its local copy): coalesced spans read from a file landed in heap
     * arrays as large as the span (53-57 MB of garbage in a cold phase, session 18), and a block read alone costs one
     * system call into a direct buffer.
     */
    void prefetch(int[] offsets, int count) {
        if (source.isLocal()) {
            return; // a local copy: each block is one read of the file when it is needed, straight into direct memory
        }
        Table t = table();
        java.util.BitSet missing = new java.util.BitSet();
        for (int k = 0; k < count; k++) {
            int i = Arrays.binarySearch(t.start(), offsets[k]);
            i = i < 0 ? -i - 2 : i;
            if (i >= 0
                    && !cache.contains(new BlockCache.Key(this, i))
                    && !source.isLocal(t.fileOffset()[i], t.length()[i])) {
                missing.set(i); // blocks a copy already holds are read on their own when needed, not in a span
            }
        }
        if (missing.cardinality() < 2) {
            return;
        }
        java.util.List<int[]> spans =
                spans(t, missing, source.copyComing() ? COALESCE_GAP_BYTES : REMOTE_ONLY_GAP_BYTES, MAX_SPAN_BYTES);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            spans.stream()
                    .limit(64)
                    .forEach(span -> pool.execute(() -> {
                        try {
                            loadSpan(t, span[0], span[1], missing);
                        } catch (RuntimeException e) {
                            // the read that needs these blocks fetches them again and reports the failure
                        }
                    }));
        }
    }

    /**
     * Groups the blocks in {@code needed} (ascending) into runs {first, last} whose bytes one ranged read fetches:
     * consecutive needed blocks join a run while the bytes between them are at most {@code maxGap} and the run stays
     * within {@code maxSpan} bytes.
     */
    static java.util.List<int[]> spans(Table t, java.util.BitSet needed, int maxGap, int maxSpan) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        int first = -1;
        int last = -1;
        for (int i = needed.nextSetBit(0); i >= 0; i = needed.nextSetBit(i + 1)) {
            if (first >= 0) {
                long gap = t.fileOffset()[i] - (t.fileOffset()[last] + t.length()[last]);
                long span = t.fileOffset()[i] + t.length()[i] - t.fileOffset()[first];
                if (maxGap >= 0 && gap <= maxGap && span <= maxSpan) {
                    last = i;
                    continue;
                }
                out.add(new int[] {first, last});
            }
            first = i;
            last = i;
        }
        if (first >= 0) {
            out.add(new int[] {first, last});
        }
        return out;
    }

    /** Fetches blocks {@code first..last} with one ranged read and caches those of them in {@code needed}. */
    private void loadSpan(Table t, int first, int last, java.util.BitSet needed) {
        if (first == last) {
            cache.get(new BlockCache.Key(this, first), k -> loadBlock(t, first, true));
            return;
        }
        long from = t.fileOffset()[first];
        int length = Math.toIntExact(t.fileOffset()[last] + t.length()[last] - from);
        byte[] raw = io(() -> source.read(from, length));
        for (int i = needed.nextSetBit(first); i >= 0 && i <= last; i = needed.nextSetBit(i + 1)) {
            int at = (int) (t.fileOffset()[i] - from);
            int block = i;
            cache.get(new BlockCache.Key(this, i), k -> {
                try (DecompressScratch.Lease s = cache.scratch().lease()) {
                    ByteBuffer in = s.input(t.length()[block])
                            .put(raw, at, t.length()[block])
                            .flip();
                    return decode(t, block, in, s.ctx(), true);
                }
            });
        }
    }

    private Table table() {
        return cache.get(new BlockCache.Key(this, -1), k -> loadTable());
    }

    /** The block table's bytes as stored: the local copy of an archived segment's if there is one, else the file's. */
    private byte[] rawTable() {
        ArchivedTables t = tables;
        ArchiveManifest.Entry e = entry;
        if (t != null && e != null) {
            return io(() -> t.read(e, this::fetchTable));
        }
        return io(this::fetchTable);
    }

    /** The block table's bytes as stored (entries, then their CRC), for the archiver to keep locally. */
    byte[] storedTable() {
        return rawTable();
    }

    private byte[] fetchTable() throws IOException {
        return source.read(tableOffset, blocks * TABLE_ENTRY + 4);
    }

    private Table loadTable() {
        byte[] raw = rawTable();
        ByteBuffer b = ByteBuffer.wrap(raw);
        if (b.getInt(blocks * TABLE_ENTRY) != crc(raw, 0, blocks * TABLE_ENTRY)) {
            throw new CorruptionException("block table of " + source.describe() + " fails its CRC");
        }
        int[] start = new int[blocks];
        long[] fileOffset = new long[blocks];
        int[] length = new int[blocks];
        int[] crc = new int[blocks];
        boolean[] deltas = new boolean[blocks];
        for (int i = 0; i < blocks; i++) {
            start[i] = b.getInt();
            fileOffset[i] = b.getLong();
            int l = b.getInt();
            length[i] = l & ~FIELD_DELTAS;
            deltas[i] = (l & FIELD_DELTAS) != 0; // never set by format 1 (lengths are positive)
            crc[i] = b.getInt();
        }
        return new Table(start, fileOffset, length, crc, deltas);
    }

    /**
     * Reads block {@code i}'s compressed bytes into a leased direct buffer and decodes them ({@code pooled}: into a
     * slot of the cache's memory if one is free).
     */
    private CachedBlock loadBlock(Table t, int i, boolean pooled) {
        try (DecompressScratch.Lease s = cache.scratch().lease()) {
            ByteBuffer in = s.input(t.length()[i]);
            io(() -> {
                source.read(t.fileOffset()[i], in);
                return null;
            });
            return decode(t, i, in.flip(), s.ctx(), pooled);
        }
    }

    /**
     * Checks block {@code i}'s CRC and decompresses it from {@code in} (direct, its remaining bytes): into a slot of the
     * cache's memory when {@code pooled} and one is free and big enough, else onto the heap. A block that fails is
     * never returned, and its slot goes back.
     */
    private CachedBlock decode(Table t, int i, ByteBuffer in, ZstdDecompressCtx ctx, boolean pooled) {
        int len = in.remaining();
        CRC32C c = new CRC32C();
        c.update(in.duplicate());
        if ((int) c.getValue() != t.crc()[i]) {
            throw new CorruptionException("block " + i + " of " + source.describe() + " fails its CRC (offset "
                    + t.fileOffset()[i] + ", " + t.length()[i] + " bytes)");
        }
        int start = t.start()[i];
        int end = i + 1 < blocks ? t.start()[i + 1] : extent;
        int size = end - start;
        BlockMemory memory = cache.memory();
        ByteBuffer slot = pooled && size <= BlockMemory.SLOT_BYTES ? memory.take() : null;
        try {
            ByteBuffer data;
            int n;
            if (slot != null) {
                n = ctx.decompressDirectByteBuffer(slot, 0, size, in, in.position(), len);
                data = slot.slice(0, size);
            } else {
                byte[] heap = new byte[size];
                n = ctx.decompressDirectByteBufferToByteArray(heap, 0, size, in, in.position(), len);
                data = ByteBuffer.wrap(heap);
            }
            if (n != size) {
                throw new CorruptionException(
                        "block " + i + " of " + source.describe() + " decompresses to " + n + " bytes, not " + size);
            }
            if (t.deltas()[i]) {
                FieldDeltas.decode(data);
            }
            CachedBlock b = new CachedBlock(start, data, slot, slot == null ? null : memory);
            slot = null; // the block owns it now
            return b;
        } catch (ZstdException e) {
            throw new CorruptionException(
                    "block " + i + " of " + source.describe() + " does not decompress: " + e.getMessage());
        } finally {
            if (slot != null) {
                memory.give(slot);
            }
        }
    }

    @Override
    ByteBuffer readAll(ByteBuffer into) throws IOException {
        ByteBuffer b = into.capacity() >= extent ? into : ByteBuffer.allocate(extent);
        b.clear().limit(extent);
        byte[] whole = source.read(0, Math.toIntExact(storedBytes)); // one request for an archived segment
        if (tables != null && entry != null) {
            tables.offerWhole(entry, whole); // a restore's first open: the block table comes with the object
        }
        BlockSource local = BlockSource.of(whole, source.describe());
        CompressedSegment copy = new CompressedSegment(
                ordinal(),
                basePosition(),
                path(),
                local,
                cache,
                blocks,
                tableOffset,
                extent,
                records,
                storedBytes,
                false,
                null,
                null);
        Table t = copy.loadTable();
        for (int i = 0; i < blocks; i++) {
            CachedBlock blk = copy.loadBlock(t, i, false); // not cached: a scan would evict everything else
            b.put(blk.start(), blk.data(), 0, blk.data().capacity());
        }
        for (int i = 0; i < Segment.HEADER_BYTES && i < extent; i++) {
            b.put(i, (byte) 0); // the plain header is not kept; scans start after it
        }
        return b;
    }

    static int crc(byte[] a, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(a, from, length);
        return (int) c.getValue();
    }

    private interface IoCall<T> {
        T run() throws IOException;
    }

    private <T> T io(IoCall<T> call) {
        try {
            return call.run();
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "cannot read " + source.describe() + " (" + e.getMessage() + ")", new UncheckedIOException(e));
        }
    }

    @Override
    public void close() throws IOException {
        cache.invalidate(this);
        source.close();
    }
}
