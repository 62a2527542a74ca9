package dev.hindsight.store.postgres.internal;

import com.github.luben.zstd.Zstd;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Reads back what {@link ArchiveSegmentWriter} wrote: the 64-byte header (magic, CRC), the block table (CRC), each
 * zstd block (CRC), and each record (CRC). Anything that does not check is an {@link IllegalArgumentException} naming
 * what and where; nothing unchecked is returned. Stateless.
 */
final class ArchiveSegmentReader {
    private static final byte[] MAGIC = "HSZLOG01".getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY = 20;

    private ArchiveSegmentReader() {}

    /** Every event of the segment, in position order. */
    static List<RecordedEvent> read(byte[] bytes, String name) {
        List<RecordedEvent> out = new ArrayList<>();
        decode(bytes, name).blockEvents().forEach(out::addAll);
        return out;
    }

    /**
     * A whole segment, checked and decoded block by block.
     *
     * @param table the block table as stored (entries and CRC)
     * @param blockEvents the events of each block, in position order
     */
    record Decoded(long base, int extent, long tableOffset, byte[] table, List<List<RecordedEvent>> blockEvents) {}

    /** Checks and decodes a whole segment. */
    static Decoded decode(byte[] bytes, String name) {
        if (bytes.length < ArchiveSegmentWriter.HEADER_BYTES) {
            throw bad(name, "shorter than its header");
        }
        ByteBuffer h = ByteBuffer.wrap(bytes, 0, ArchiveSegmentWriter.HEADER_BYTES);
        byte[] magic = new byte[MAGIC.length];
        h.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw bad(name, "not a Hindsight archived segment (magic)");
        }
        h.getInt(); // format version
        long base = h.getLong();
        int blocks = h.getInt();
        long tableOffset = h.getLong();
        int extent = h.getInt();
        int records = h.getInt();
        h.getInt();
        if (h.getInt() != ArchiveSegmentWriter.crc(bytes, 0, 44)) {
            throw bad(name, "header CRC mismatch");
        }
        long tableEnd = tableOffset + (long) blocks * ENTRY;
        if (blocks < 0 || tableOffset < ArchiveSegmentWriter.HEADER_BYTES || tableEnd + 4 > bytes.length) {
            throw bad(name, "block table out of bounds");
        }
        int table = (int) tableOffset;
        byte[] raw = Arrays.copyOfRange(bytes, table, (int) tableEnd + 4);
        Table t = table(raw, blocks, name);
        List<List<RecordedEvent>> out = new ArrayList<>(blocks);
        int count = 0;
        for (int b = 0; b < blocks; b++) {
            if (t.fileOffset()[b] < ArchiveSegmentWriter.HEADER_BYTES
                    || t.fileOffset()[b] + t.length()[b] > tableOffset) {
                throw bad(name, "block " + b + " out of bounds");
            }
            int from = (int) t.fileOffset()[b];
            List<RecordedEvent> events =
                    block(t, b, Arrays.copyOfRange(bytes, from, from + t.length()[b]), extent, name);
            out.add(events);
            count += events.size();
        }
        if (count != records) {
            throw bad(name, "holds " + count + " records, its header says " + records);
        }
        return new Decoded(base, extent, tableOffset, raw, out);
    }

    /**
     * A segment's block table: block {@code i} holds the plain bytes {@code [start[i], start[i+1])} (the last up to the
     * extent), stored compressed at {@code fileOffset[i]}, {@code length[i]} bytes with CRC32C {@code crc[i]}.
     */
    record Table(int[] start, long[] fileOffset, int[] length, int[] crc) {
        int blocks() {
            return start.length;
        }
    }

    /**
     * Parses a block table as stored ({@code blocks} entries, then the CRC of the entries).
     *
     * @throws IllegalArgumentException if it is too short or fails its CRC
     */
    static Table table(byte[] raw, int blocks, String name) {
        if (blocks < 0 || raw.length != blocks * ENTRY + 4) {
            throw bad(name, "block table of " + raw.length + " bytes for " + blocks + " blocks");
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        if (b.getInt(blocks * ENTRY) != ArchiveSegmentWriter.crc(raw, 0, blocks * ENTRY)) {
            throw bad(name, "block table CRC mismatch");
        }
        int[] start = new int[blocks];
        long[] fileOffset = new long[blocks];
        int[] length = new int[blocks];
        int[] crc = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            start[i] = b.getInt();
            fileOffset[i] = b.getLong();
            length[i] = b.getInt();
            crc[i] = b.getInt();
            if (length[i] < 0 || start[i] < ArchiveSegmentWriter.HEADER_BYTES || (i > 0 && start[i] < start[i - 1])) {
                throw bad(name, "block " + i + " out of bounds");
            }
        }
        return new Table(start, fileOffset, length, crc);
    }

    /**
     * The events of block {@code b}, given its compressed bytes: the block's CRC, its decompressed length and every
     * record's CRC are checked.
     *
     * @param extent the end of the last record in the plain layout (the header's extent)
     * @throws IllegalArgumentException naming the segment and block if anything does not check
     */
    static List<RecordedEvent> block(Table t, int b, byte[] z, int extent, String name) {
        int plainStart = t.start()[b];
        int plainEnd = b + 1 < t.blocks() ? t.start()[b + 1] : extent;
        if (z.length != t.length()[b] || plainEnd < plainStart) {
            throw bad(name, "block " + b + " out of bounds");
        }
        if (ArchiveSegmentWriter.crc(z, 0, z.length) != t.crc()[b]) {
            throw bad(name, "block " + b + " CRC mismatch");
        }
        byte[] plain;
        try {
            plain = Zstd.decompress(z, plainEnd - plainStart);
        } catch (RuntimeException e) {
            throw bad(name, "block " + b + " does not decompress: " + e.getMessage());
        }
        if (plain.length != plainEnd - plainStart) {
            throw bad(
                    name, "block " + b + " decompresses to " + plain.length + " bytes, not " + (plainEnd - plainStart));
        }
        List<RecordedEvent> out = new ArrayList<>();
        readRecords(plain, name + " block " + b, out);
        return out;
    }

    private static void readRecords(byte[] plain, String name, List<RecordedEvent> out) {
        ByteBuffer b = ByteBuffer.wrap(plain);
        while (b.remaining() > 0) {
            int at = b.position();
            if (b.remaining() < 9) {
                throw bad(name, "truncated record frame");
            }
            int payload = b.getInt();
            int crc = b.getInt();
            if (payload < 76 || payload > b.remaining() - 1) {
                throw bad(name, "record length " + payload + " out of bounds");
            }
            if (ArchiveSegmentWriter.crc(plain, at + 8, 1 + payload) != crc) {
                throw bad(name, "record CRC mismatch at block offset " + at);
            }
            b.get(); // flags
            long position = b.getLong();
            long version = b.getLong();
            long micros = b.getLong();
            long tsSeconds = b.getLong();
            int tsNanos = b.getInt();
            int schemaVersion = b.getInt();
            UUID id = new UUID(b.getLong(), b.getLong());
            int agg = Short.toUnsignedInt(b.getShort());
            int type = Short.toUnsignedInt(b.getShort());
            int data = b.getInt();
            int meta = b.getInt();
            b.getLong(); // first position of the record's transaction
            if (76 + (long) agg + type + data + meta != payload) {
                throw bad(name, "record field lengths do not add up at block offset " + at);
            }
            out.add(new RecordedEvent(
                    id,
                    string(b, agg),
                    string(b, type),
                    schemaVersion,
                    string(b, data),
                    string(b, meta),
                    version,
                    Position.of(position),
                    Instant.ofEpochSecond(tsSeconds, tsNanos),
                    Instant.ofEpochSecond(
                            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000)));
        }
    }

    private static String string(ByteBuffer b, int length) {
        String s = new String(b.array(), b.position(), length, StandardCharsets.UTF_8);
        b.position(b.position() + length);
        return s;
    }

    private static IllegalArgumentException bad(String name, String what) {
        return new IllegalArgumentException("archived segment " + name + ": " + what);
    }
}
