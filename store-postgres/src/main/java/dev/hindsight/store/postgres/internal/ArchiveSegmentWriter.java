package dev.hindsight.store.postgres.internal;

import com.github.luben.zstd.Zstd;
import dev.hindsight.core.RecordedEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes events in the file engine's archived-segment format ({@code .zlog}, layout in {@code store-file}'s
 * {@code internal/package-info.java}, ADR 0012): records framed {@code int length | int crc32c | byte flags |
 * payload} in the plain layout after a 64-byte header, cut into zstd blocks of whole records (about 64 KiB plain
 * each), then the block table and the 64-byte compressed header. The records carry their PostgreSQL positions, which
 * are sparse (ADR 0004): the segment's base is its first position, not {@code first + index} (ADR 0017). A record is
 * marked COMMIT and BATCH_END where its transaction's events end. Stateless.
 */
final class ArchiveSegmentWriter {
    static final int HEADER_BYTES = 64;
    static final int BLOCK_BYTES = 64 * 1024;
    static final byte COMMIT = 1;
    static final byte BATCH_END = 2;
    private static final int FIXED = 76;
    private static final byte[] MAGIC = "HSZLOG01".getBytes(StandardCharsets.US_ASCII);

    private ArchiveSegmentWriter() {}

    /**
     * The segment's bytes, the header fields a manifest entry carries, and where things are: the first position of
     * each block and the block of each record (in the order of the events written).
     */
    record Segment(
            byte[] bytes,
            long base,
            int records,
            int extent,
            int blocks,
            long tableOffset,
            long[] blockPositions,
            int[] recordBlocks) {
        /** The block table as stored (entries and their CRC). */
        byte[] table() {
            return java.util.Arrays.copyOfRange(bytes, (int) tableOffset, bytes.length);
        }
    }

    static Segment write(List<RecordedEvent> events, int level) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        plain.writeBytes(new byte[HEADER_BYTES]);
        int[] recordStart = new int[events.size() + 1];
        long batchStart = 0;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            long pos = position(e);
            if (i == 0 || xid(position(events.get(i - 1))) != xid(pos)) {
                batchStart = pos;
            }
            boolean last = i + 1 == events.size() || xid(position(events.get(i + 1))) != xid(pos);
            recordStart[i] = plain.size();
            plain.writeBytes(frame(e, pos, batchStart, last ? (byte) (COMMIT | BATCH_END) : 0));
        }
        recordStart[events.size()] = plain.size();
        byte[] raw = plain.toByteArray();
        int extent = raw.length;

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[HEADER_BYTES]);
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        int blocks = 0;
        int blockStart = HEADER_BYTES;
        int firstRecord = 0;
        long[] blockPositions = new long[events.size()];
        int[] recordBlocks = new int[events.size()];
        for (int i = 1; i <= events.size(); i++) {
            boolean full = recordStart[i] - blockStart >= BLOCK_BYTES;
            if ((full || i == events.size()) && recordStart[i] > blockStart) {
                blockPositions[blocks] = position(events.get(firstRecord));
                java.util.Arrays.fill(recordBlocks, firstRecord, i, blocks);
                firstRecord = i;
                byte[] z = Zstd.compress(java.util.Arrays.copyOfRange(raw, blockStart, recordStart[i]), level);
                ByteBuffer entry = ByteBuffer.allocate(20);
                entry.putInt(blockStart).putLong(out.size()).putInt(z.length).putInt(crc(z, 0, z.length));
                table.writeBytes(entry.array());
                out.writeBytes(z);
                blocks++;
                blockStart = recordStart[i];
            }
        }
        long tableOffset = out.size();
        byte[] t = table.toByteArray();
        out.writeBytes(t);
        out.writeBytes(ByteBuffer.allocate(4).putInt(crc(t, 0, t.length)).array());
        byte[] bytes = out.toByteArray();
        long base = events.isEmpty() ? 0 : position(events.getFirst());
        ByteBuffer h = ByteBuffer.wrap(bytes, 0, HEADER_BYTES);
        h.put(MAGIC).putInt(1).putLong(base).putInt(blocks).putLong(tableOffset).putInt(extent);
        h.putInt(events.size()).putInt(1);
        h.putInt(crc(bytes, 0, 44));
        return new Segment(
                bytes,
                base,
                events.size(),
                extent,
                blocks,
                tableOffset,
                java.util.Arrays.copyOf(blockPositions, blocks),
                recordBlocks);
    }

    private static byte[] frame(RecordedEvent e, long position, long batchStart, byte flags) {
        byte[] agg = e.aggregateId().getBytes(StandardCharsets.UTF_8);
        byte[] type = e.eventType().getBytes(StandardCharsets.UTF_8);
        byte[] data = e.eventData().getBytes(StandardCharsets.UTF_8);
        byte[] meta = e.metadata().getBytes(StandardCharsets.UTF_8);
        int payload = FIXED + agg.length + type.length + data.length + meta.length;
        ByteBuffer b = ByteBuffer.allocate(9 + payload);
        long micros = Math.addExact(
                Math.multiplyExact(e.recordedAt().getEpochSecond(), 1_000_000L),
                e.recordedAt().getNano() / 1000);
        b.putInt(payload).putInt(0).put(flags);
        b.putLong(position).putLong(e.version()).putLong(micros);
        b.putLong(e.timestamp().getEpochSecond())
                .putInt(e.timestamp().getNano())
                .putInt(e.schemaVersion());
        b.putLong(e.eventId().getMostSignificantBits()).putLong(e.eventId().getLeastSignificantBits());
        b.putShort((short) agg.length)
                .putShort((short) type.length)
                .putInt(data.length)
                .putInt(meta.length);
        b.putLong(batchStart).put(agg).put(type).put(data).put(meta);
        byte[] f = b.array();
        ByteBuffer.wrap(f).putInt(4, crc(f, 8, 1 + payload));
        return f;
    }

    static long position(RecordedEvent e) {
        return ((dev.hindsight.core.Position.Sequence) e.position()).value();
    }

    private static long xid(long position) {
        return position >>> 20;
    }

    static int crc(byte[] a, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(a, from, length);
        return (int) c.getValue();
    }
}
