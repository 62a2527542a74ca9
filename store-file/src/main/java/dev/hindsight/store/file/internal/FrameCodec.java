package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes event records (format in {@code package-info}). Stateless, thread-safe.
 */
public final class FrameCodec {
    static final int HEADER = 9;
    static final int FIXED = 76;
    static final byte COMMIT = 1;
    static final byte BATCH_END = 2;
    /** Set on a record whose event retention deleted (ADR 0017): its data and metadata bytes are zeros. */
    static final byte DELETED = 4;

    static final int OFF_POSITION = HEADER;
    static final int OFF_VERSION = HEADER + 8;
    static final int OFF_RECORDED_AT = HEADER + 16;
    static final int OFF_TS_SECONDS = HEADER + 24;
    static final int OFF_TS_NANOS = HEADER + 32;
    static final int OFF_SCHEMA = HEADER + 36;
    static final int OFF_ID_MSB = HEADER + 40;
    static final int OFF_ID_LSB = HEADER + 48;
    static final int OFF_AGG_LEN = HEADER + 56;
    static final int OFF_TYPE_LEN = HEADER + 58;
    static final int OFF_DATA_LEN = HEADER + 60;
    static final int OFF_META_LEN = HEADER + 64;
    static final int OFF_BATCH_START = HEADER + 68;
    static final int OFF_VARIABLE = HEADER + FIXED;

    private FrameCodec() {}

    /**
     * Encodes a whole frame with position, version, recordedAt, flags and CRC left zero, to be filled in by the writer.
     */
    static byte[] encode(ProposedEvent e) {
        byte[] agg = e.aggregateId().getBytes(StandardCharsets.UTF_8);
        byte[] type = e.eventType().getBytes(StandardCharsets.UTF_8);
        byte[] data = e.eventData().getBytes(StandardCharsets.UTF_8);
        byte[] meta = e.metadata().getBytes(StandardCharsets.UTF_8);
        int payload = FIXED + agg.length + type.length + data.length + meta.length;
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload);
        b.putInt(0, payload);
        b.putLong(OFF_TS_SECONDS, e.timestamp().getEpochSecond());
        b.putInt(OFF_TS_NANOS, e.timestamp().getNano());
        b.putInt(OFF_SCHEMA, e.schemaVersion());
        b.putLong(OFF_ID_MSB, e.eventId().getMostSignificantBits());
        b.putLong(OFF_ID_LSB, e.eventId().getLeastSignificantBits());
        b.putShort(OFF_AGG_LEN, (short) agg.length);
        b.putShort(OFF_TYPE_LEN, (short) type.length);
        b.putInt(OFF_DATA_LEN, data.length);
        b.putInt(OFF_META_LEN, meta.length);
        b.put(OFF_VARIABLE, agg);
        b.put(OFF_VARIABLE + agg.length, type);
        b.put(OFF_VARIABLE + agg.length + type.length, data);
        b.put(OFF_VARIABLE + agg.length + type.length + data.length, meta);
        return b.array();
    }

    /** Fills in the writer-assigned fields of the frame at {@code off} in {@code buf} and computes its CRC. */
    static void seal(
            ByteBuffer buf, int off, long position, long version, long recordedAtMicros, long batchStart, byte flags) {
        buf.putLong(off + OFF_POSITION, position);
        buf.putLong(off + OFF_VERSION, version);
        buf.putLong(off + OFF_RECORDED_AT, recordedAtMicros);
        buf.putLong(off + OFF_BATCH_START, batchStart);
        buf.put(off + 8, flags);
        int len = buf.getInt(off);
        CRC32C crc = new CRC32C();
        crc.update(buf.slice(off + 8, 1 + len));
        buf.putInt(off + 4, (int) crc.getValue());
    }

    /** Computes the CRC of the frame at {@code off} in {@code buf} (after its flags were changed). */
    static void reseal(ByteBuffer buf, int off) {
        int len = buf.getInt(off);
        CRC32C crc = new CRC32C();
        crc.update(buf.slice(off + 8, 1 + len));
        buf.putInt(off + 4, (int) crc.getValue());
    }

    /** CRC of a frame's flags and payload, copied in {@code frame} starting at the flags byte. */
    static int crc(byte[] frame, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(frame, from, length);
        return (int) crc.getValue();
    }

    /**
     * Decodes a frame whose bytes (from the start of the header) are in {@code f}. Its CRC was checked by the caller;
     * fields no CRC can vouch for (a frame written by a buggy or foreign writer) are checked here.
     *
     * @throws CorruptionException if the frame's lengths do not add up, or its position or timestamps are out of range
     */
    static RecordedEvent decode(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        if (f.length < HEADER + FIXED
                || b.getInt(0) != f.length - HEADER
                || !lengthsConsistent(b, 0, f.length - HEADER)) {
            throw new CorruptionException("record of " + f.length + " bytes has inconsistent lengths");
        }
        int aggLen = Short.toUnsignedInt(b.getShort(OFF_AGG_LEN));
        int typeLen = Short.toUnsignedInt(b.getShort(OFF_TYPE_LEN));
        int dataLen = b.getInt(OFF_DATA_LEN);
        int metaLen = b.getInt(OFF_META_LEN);
        long position = b.getLong(OFF_POSITION);
        if (position < 1) {
            throw new CorruptionException("record has position " + position);
        }
        int p = OFF_VARIABLE;
        String agg = new String(f, p, aggLen, StandardCharsets.UTF_8);
        p += aggLen;
        String type = new String(f, p, typeLen, StandardCharsets.UTF_8);
        p += typeLen;
        String data = new String(f, p, dataLen, StandardCharsets.UTF_8);
        p += dataLen;
        String meta = new String(f, p, metaLen, StandardCharsets.UTF_8);
        long micros = b.getLong(OFF_RECORDED_AT);
        Instant timestamp;
        Instant recordedAt;
        try {
            timestamp = Instant.ofEpochSecond(b.getLong(OFF_TS_SECONDS), b.getInt(OFF_TS_NANOS));
            recordedAt =
                    Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
        } catch (DateTimeException | ArithmeticException e) {
            throw new CorruptionException("record at position " + position + " has a timestamp out of range", e);
        }
        return new RecordedEvent(
                new UUID(b.getLong(OFF_ID_MSB), b.getLong(OFF_ID_LSB)),
                agg,
                type,
                b.getInt(OFF_SCHEMA),
                data,
                meta,
                b.getLong(OFF_VERSION),
                Position.of(position),
                timestamp,
                recordedAt);
    }

    /** Whether the frame in {@code f} (from the start of its header) is a deleted event's. */
    static boolean deleted(byte[] f) {
        return (f[8] & DELETED) != 0;
    }

    /**
     * Turns the frame at {@code at} in {@code plain} into a deleted event's: the same length, position, version,
     * aggregate id, event id, type and timestamps (so offsets, indexes and version checks stay valid), the data and
     * metadata bytes zeroed, flag {@link #DELETED} set and the CRC recomputed.
     */
    static void delete(byte[] plain, int at) {
        ByteBuffer b = ByteBuffer.wrap(plain);
        int len = b.getInt(at);
        int variable = at
                + OFF_VARIABLE
                + Short.toUnsignedInt(b.getShort(at + OFF_AGG_LEN))
                + Short.toUnsignedInt(b.getShort(at + OFF_TYPE_LEN));
        java.util.Arrays.fill(plain, variable, at + HEADER + len, (byte) 0);
        plain[at + 8] |= DELETED;
        reseal(b, at);
    }

    /** Whether the payload's declared variable lengths are consistent with its length. */
    static boolean lengthsConsistent(ByteBuffer b, int off, int len) {
        if (len < FIXED) {
            return false;
        }
        long sum = (long) FIXED
                + Short.toUnsignedInt(b.getShort(off + OFF_AGG_LEN))
                + Short.toUnsignedInt(b.getShort(off + OFF_TYPE_LEN))
                + b.getInt(off + OFF_DATA_LEN)
                + b.getInt(off + OFF_META_LEN);
        return b.getInt(off + OFF_DATA_LEN) >= 0 && b.getInt(off + OFF_META_LEN) >= 0 && sum == len;
    }
}
