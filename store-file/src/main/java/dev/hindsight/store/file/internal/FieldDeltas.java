package dev.hindsight.store.file.internal;

import java.nio.ByteBuffer;

/**
 * The reversible, same-width transform of a compressed segment's block (format 2, ADR 0012): in each record after
 * the block's first, the position, recordedAt, timestamp seconds and batchStart fields are replaced by their
 * difference to the previous record's (mostly 1, or small), which zstd encodes in fewer bytes than the absolute
 * values; the record lengths are left as they are, so decoding walks the same records. Offsets do not move. Blocks are
 * whole records from a record boundary; the walk stops at the first length that does not fit (a damaged block is then
 * caught by the records' CRCs). Stateless; thread-safe.
 */
final class FieldDeltas {
    private static final int[] FIELDS = {
        FrameCodec.OFF_POSITION, FrameCodec.OFF_RECORDED_AT, FrameCodec.OFF_TS_SECONDS, FrameCodec.OFF_BATCH_START
    };

    private FieldDeltas() {}

    /** Replaces the fields by deltas, in place. */
    static void encode(byte[] block) {
        apply(block, true);
    }

    /** Restores the fields from deltas, in place: {@code decode(encode(b))} is {@code b} for any bytes. */
    static void decode(byte[] block) {
        apply(block, false);
    }

    /** Restores the fields from deltas in {@code block}'s bytes {@code [0, limit)}, in place (absolute, any buffer). */
    static void decode(ByteBuffer block) {
        apply(block, block.limit(), false);
    }

    private static void apply(byte[] block, boolean encode) {
        apply(ByteBuffer.wrap(block), block.length, encode);
    }

    private static void apply(ByteBuffer b, int length, boolean encode) {
        long[] prev = new long[FIELDS.length];
        boolean first = true;
        int at = 0;
        while (at <= length - FrameCodec.HEADER - FrameCodec.FIXED) {
            int len = b.getInt(at);
            if (len < FrameCodec.FIXED || len > length - at - FrameCodec.HEADER) {
                return;
            }
            for (int k = 0; k < FIELDS.length; k++) {
                int off = at + FIELDS[k];
                long v = b.getLong(off);
                long plain = encode || first ? v : v + prev[k];
                if (!first) {
                    b.putLong(off, encode ? v - prev[k] : plain);
                }
                prev[k] = plain;
            }
            first = false;
            at += FrameCodec.HEADER + len;
        }
    }
}
