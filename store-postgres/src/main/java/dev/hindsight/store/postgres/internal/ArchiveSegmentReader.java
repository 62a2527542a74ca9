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
        h.getLong(); // base position
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
        if (ByteBuffer.wrap(bytes, (int) tableEnd, 4).getInt()
                != ArchiveSegmentWriter.crc(bytes, table, blocks * ENTRY)) {
            throw bad(name, "block table CRC mismatch");
        }
        List<RecordedEvent> out = new ArrayList<>(Math.max(0, records));
        for (int b = 0; b < blocks; b++) {
            ByteBuffer e = ByteBuffer.wrap(bytes, table + b * ENTRY, ENTRY);
            int plainStart = e.getInt();
            long offset = e.getLong();
            int length = e.getInt();
            int crc = e.getInt();
            int plainEnd = b + 1 < blocks
                    ? ByteBuffer.wrap(bytes, table + (b + 1) * ENTRY, 4).getInt()
                    : extent;
            if (offset < ArchiveSegmentWriter.HEADER_BYTES
                    || length < 0
                    || offset + length > tableOffset
                    || plainEnd < plainStart) {
                throw bad(name, "block " + b + " out of bounds");
            }
            if (ArchiveSegmentWriter.crc(bytes, (int) offset, length) != crc) {
                throw bad(name, "block " + b + " CRC mismatch");
            }
            byte[] z = Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
            byte[] plain = Zstd.decompress(z, plainEnd - plainStart);
            if (plain.length != plainEnd - plainStart) {
                throw bad(
                        name,
                        "block " + b + " decompresses to " + plain.length + " bytes, not " + (plainEnd - plainStart));
            }
            readRecords(plain, name, out);
        }
        if (out.size() != records) {
            throw bad(name, "holds " + out.size() + " records, its header says " + records);
        }
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
