package dev.hindsight.store.file.internal;

import dev.hindsight.core.spi.Snapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Encoding of the snapshot files: the generation header, snapshot and dictionary records of formats 3 and 2, and the
 * records of format 1 (the headerless {@code snapshots.log} of earlier builds, read only to upgrade it). The layouts
 * are described in this package's {@code package-info.java}. Stateless, thread-safe.
 */
public final class SnapshotRecords {
    /** Bytes of the generation header. */
    public static final int HEADER = 24;
    /** Bytes of a record's frame before its payload: length and CRC32C. */
    public static final int FRAME = 8;
    /** The format this build writes (generations of format 2, from earlier builds, are read and appended to). */
    public static final int FORMAT = 3;

    /** A snapshot record with a plain head (format 2; read only). */
    static final byte SNAPSHOT = 1;

    static final byte DICTIONARY = 2;
    /** A snapshot record with a compact head (format 3): UUID-suffixed ids in 16 bytes, varint timestamp. */
    static final byte SNAPSHOT_COMPACT = 3;
    /** Bytes of a canonical UUID's text, {@code 8-4-4-4-12} hex digits. */
    private static final int UUID_TEXT = 36;

    private static final long MAGIC = 0x48534E4150534E50L; // "HSNAPSNP"

    private SnapshotRecords() {}

    /**
     * A snapshot record as found in a generation file, with its state still compressed.
     *
     * @param offset where its frame starts
     * @param length frame and payload bytes
     * @param dictionary offset of the dictionary record its state was compressed with, 0 for none
     * @param rawLength bytes of the state part before compression
     * @param body the compressed state part (state schema and state); {@code null} in a head kept in memory (read
     *     from the file when needed)
     */
    public record Rec(
            String aggregateId,
            long version,
            Instant timestamp,
            long offset,
            int length,
            long dictionary,
            int rawLength,
            byte @Nullable [] body) {

        /** This record without its body (a head for the memtable). */
        public Rec withoutBody() {
            return new Rec(aggregateId, version, timestamp, offset, length, dictionary, rawLength, null);
        }
    }

    /** The 24-byte header of generation {@code generation}: magic, format, generation, CRC32C of those. */
    public static ByteBuffer header(long generation) {
        ByteBuffer b = ByteBuffer.allocate(HEADER);
        b.putLong(MAGIC).putInt(FORMAT).putLong(generation);
        b.putInt(crc(b.array(), 0, 20));
        return b.flip();
    }

    /** The generation a header names, or -1 if it is not an intact header of format 2 or 3. */
    public static long generationOf(ByteBuffer header) {
        if (header.remaining() < HEADER
                || header.getLong(0) != MAGIC
                || (header.getInt(8) != FORMAT && header.getInt(8) != 2)
                || header.getInt(20) != crc(header.array(), 0, 20)) {
            return -1;
        }
        return header.getLong(12);
    }

    /** The uncompressed state part of a snapshot: schema length (varint), schema, state, all UTF-8. */
    public static byte[] raw(String stateSchema, String state) {
        byte[] schema = stateSchema.getBytes(StandardCharsets.UTF_8);
        byte[] body = state.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(5 + schema.length + body.length);
        putVarLong(b, schema.length);
        b.put(schema).put(body);
        return slice(b);
    }

    /** The snapshot a record holds, given its decompressed state part. */
    public static Snapshot snapshot(Rec r, byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw);
        int schemaLength = (int) getVarLong(b);
        String schema = new String(raw, b.position(), schemaLength, StandardCharsets.UTF_8);
        int at = b.position() + schemaLength;
        String state = new String(raw, at, raw.length - at, StandardCharsets.UTF_8);
        return new Snapshot(r.aggregateId(), r.version(), r.timestamp(), schema, state);
    }

    /** A framed snapshot record (compact head, format 3). */
    public static byte[] snapshotRecord(
            String aggregateId, long version, Instant timestamp, long dictionary, int rawLength, byte[] body) {
        byte[] agg = aggregateId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FRAME + 1 + 5 + agg.length + 10 + 20 + 10 + 5 + body.length);
        b.position(FRAME);
        b.put(SNAPSHOT_COMPACT);
        UUID uuid = uuidSuffix(aggregateId);
        if (uuid == null) {
            putVarLong(b, (long) agg.length << 1);
            b.put(agg);
        } else { // the prefix's UTF-8 bytes, then the UUID's 128 bits instead of its 36 characters
            int prefix = agg.length - UUID_TEXT;
            putVarLong(b, ((long) prefix << 1) | 1);
            b.put(agg, 0, prefix);
            b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        }
        putVarLong(b, version);
        long seconds = timestamp.getEpochSecond();
        putVarLong(b, (seconds << 1) ^ (seconds >> 63));
        putVarLong(b, timestamp.getNano());
        putVarLong(b, dictionary);
        putVarLong(b, rawLength);
        b.put(body);
        return frame(b);
    }

    /**
     * The UUID that {@code id} ends with, if its last 36 characters are one in canonical lowercase form (so that the
     * UUID's {@code toString()} gives them back exactly); {@code null} otherwise.
     */
    static @Nullable UUID uuidSuffix(String id) {
        int from = id.length() - UUID_TEXT;
        if (from < 0) {
            return null;
        }
        for (int i = 0; i < UUID_TEXT; i++) {
            char c = id.charAt(from + i);
            boolean ok =
                    i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
            if (!ok) {
                return null;
            }
        }
        return UUID.fromString(id.substring(from));
    }

    /** A framed dictionary record. */
    public static byte[] dictionaryRecord(byte[] dictionary) {
        ByteBuffer b = ByteBuffer.allocate(FRAME + 1 + dictionary.length);
        b.position(FRAME);
        b.put(DICTIONARY).put(dictionary);
        return frame(b);
    }

    private static byte[] frame(ByteBuffer b) {
        int end = b.position();
        b.putInt(0, end - FRAME).putInt(4, crc(b.array(), FRAME, end - FRAME));
        byte[] out = new byte[end];
        System.arraycopy(b.array(), 0, out, 0, end);
        return out;
    }

    /** The payload length a frame header announces (unchecked). */
    public static int payloadLength(byte[] frame, int at) {
        return ByteBuffer.wrap(frame, at, 4).getInt();
    }

    /** Whether the payload of the frame at {@code at} of {@code buf} (whole, in the buffer) matches its CRC32C. */
    public static boolean intact(byte[] buf, int at, int payloadLength) {
        return ByteBuffer.wrap(buf, at + 4, 4).getInt() == crc(buf, at + FRAME, payloadLength);
    }

    /** Whether the intact frame at {@code at} holds a dictionary; its bytes are then at {@code at + FRAME + 1}. */
    public static boolean isDictionary(byte[] buf, int at) {
        return buf[at + FRAME] == DICTIONARY;
    }

    /**
     * Decodes the intact snapshot frame at {@code at} of {@code buf} (found at file offset {@code offset}).
     *
     * @return the record, or {@code null} if it is not a snapshot record or does not parse (treated as damaged)
     */
    public static @Nullable Rec decode(byte[] buf, int at, int payloadLength, long offset) {
        try {
            ByteBuffer b = ByteBuffer.wrap(buf, at + FRAME, payloadLength).slice();
            byte type = b.get();
            if (type != SNAPSHOT && type != SNAPSHOT_COMPACT) {
                return null;
            }
            String agg;
            long version;
            Instant ts;
            if (type == SNAPSHOT) {
                int aggLength = (int) getVarLong(b);
                agg = new String(buf, at + FRAME + b.position(), aggLength, StandardCharsets.UTF_8);
                b.position(b.position() + aggLength);
                version = getVarLong(b);
                ts = Instant.ofEpochSecond(b.getLong(), b.getInt());
            } else {
                long form = getVarLong(b);
                int length = (int) (form >>> 1);
                agg = new String(buf, at + FRAME + b.position(), length, StandardCharsets.UTF_8);
                b.position(b.position() + length);
                if ((form & 1) != 0) {
                    agg += new UUID(b.getLong(), b.getLong());
                }
                version = getVarLong(b);
                long z = getVarLong(b);
                ts = Instant.ofEpochSecond((z >>> 1) ^ -(z & 1), getVarLong(b));
            }
            long dictionary = getVarLong(b);
            int rawLength = (int) getVarLong(b);
            byte[] body = new byte[b.remaining()];
            b.get(body);
            return new Rec(agg, version, ts, offset, FRAME + payloadLength, dictionary, rawLength, body);
        } catch (RuntimeException e) {
            return null; // a CRC-intact record that does not parse: written by a bug; derived data, so skipped
        }
    }

    /** Decodes a format-1 payload (aggregate, version, timestamp, schema, state), {@code null} if it does not parse. */
    public static @Nullable Snapshot decodeFormat1(byte[] payload) {
        try {
            ByteBuffer b = ByteBuffer.wrap(payload);
            String agg = string(b, Short.toUnsignedInt(b.getShort()));
            long version = b.getLong();
            Instant ts = Instant.ofEpochSecond(b.getLong(), b.getInt());
            String schema = string(b, Short.toUnsignedInt(b.getShort()));
            String state = string(b, b.getInt());
            return new Snapshot(agg, version, ts, schema, state);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String string(ByteBuffer b, int len) {
        String s = new String(b.array(), b.position(), len, StandardCharsets.UTF_8);
        b.position(b.position() + len);
        return s;
    }

    static void putVarLong(ByteBuffer b, long v) {
        long x = v;
        while ((x & ~0x7FL) != 0) {
            b.put((byte) ((x & 0x7F) | 0x80));
            x >>>= 7;
        }
        b.put((byte) x);
    }

    static long getVarLong(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b.get();
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private static byte[] slice(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    /** CRC32C of a range. */
    public static int crc(byte[] bytes, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, from, length);
        return (int) c.getValue();
    }
}
