package dev.hindsight.store.file.internal;

import dev.hindsight.core.RecordedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The view of a file log shared by the writer and the readers: its segments (each with its record offsets), the
 * indexes and the committed head. Thread-safety: one writer (recovery, then the group-commit writer) mutates; readers
 * may call {@link #read} and the index lookups for positions ≤ {@link #committed()}, which is published last.
 */
public final class LogState {
    private volatile Segment[] segments = new Segment[0];
    private @Nullable Indexes indexes;

    private volatile long committed;
    /** Writer only: offset of the end of data in the active (last) segment. */
    long writeOffset;

    long committed() {
        return committed;
    }

    /** Publishes the head; called after every offset and index entry up to it is set. */
    void publish(long position) {
        committed = position;
    }

    void indexes(Indexes i) {
        indexes = i;
    }

    Indexes indexes() {
        Indexes i = indexes;
        if (i == null) {
            throw new IllegalStateException("indexes not open");
        }
        return i;
    }

    void addSegment(Segment s) {
        List<Segment> list = new ArrayList<>(List.of(segments));
        list.add(s);
        segments = list.toArray(new Segment[0]);
    }

    /**
     * Bytes of log data up to the committed head: every sealed segment whole (they roll when full), the active one up
     * to the start of its last committed record (the sparse preallocated rest takes no space). Any thread.
     */
    public long dataBytes() {
        Segment[] segs = segments;
        long head = committed;
        long bytes = 0;
        for (int i = 0; i < segs.length - 1; i++) {
            bytes += segs[i].capacity();
        }
        if (segs.length > 0 && head > 0) {
            Segment last = segs[segs.length - 1];
            bytes += head >= last.basePosition() ? last.offsetOf(head) : last.capacity();
        }
        return bytes;
    }

    Segment[] segments() {
        return segments;
    }

    Segment active() {
        Segment[] s = segments;
        return s[s.length - 1];
    }

    /** The segment holding {@code position} (binary search on base positions: one entry per segment). */
    Segment segmentOf(long position) {
        Segment[] s = segments;
        int lo = 0;
        int hi = s.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (s[mid].basePosition() <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return s[lo];
    }

    /** Reads and verifies the event at {@code position} (1 ≤ position ≤ committed). */
    RecordedEvent read(long position) {
        Segment seg = segmentOf(position);
        return FrameCodec.decode(seg.readFrame(seg.offsetOf(position)));
    }

    /** Whether the record at {@code position} has event id ({@code msb}, {@code lsb}); not CRC-checked. */
    boolean hasEventId(long position, long msb, long lsb) {
        Segment seg = segmentOf(position);
        int off = seg.offsetOf(position);
        ByteBuffer map = seg.map();
        return map.getLong(off + FrameCodec.OFF_ID_MSB) == msb && map.getLong(off + FrameCodec.OFF_ID_LSB) == lsb;
    }

    /** Whether the (CRC-verified) record at {@code position} belongs to the aggregate with UTF-8 id {@code id}. */
    boolean hasAggregateId(long position, byte[] id) {
        Segment seg = segmentOf(position);
        int off = seg.offsetOf(position);
        seg.verifyFrame(off);
        ByteBuffer map = seg.map();
        if (Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN)) != id.length) {
            return false;
        }
        int p = off + FrameCodec.OFF_VARIABLE;
        for (int i = 0; i < id.length; i++) {
            if (map.get(p + i) != id[i]) {
                return false;
            }
        }
        return true;
    }

    long versionAt(long position) {
        Segment seg = segmentOf(position);
        return seg.map().getLong(seg.offsetOf(position) + FrameCodec.OFF_VERSION);
    }

    Instant timestampAt(long position) {
        Segment seg = segmentOf(position);
        int off = seg.offsetOf(position);
        return Instant.ofEpochSecond(
                seg.map().getLong(off + FrameCodec.OFF_TS_SECONDS), seg.map().getInt(off + FrameCodec.OFF_TS_NANOS));
    }

    /** Whether the event at {@code position} passes {@code test} on its aggregate id and type, without decoding. */
    boolean matches(long position, String prefix, Set<String> types) {
        Segment seg = segmentOf(position);
        int off = seg.offsetOf(position);
        seg.verifyFrame(off); // a damaged record must fail the read, not be skipped as "not matching"
        ByteBuffer map = seg.map();
        int aggLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_AGG_LEN));
        int typeLen = Short.toUnsignedInt(map.getShort(off + FrameCodec.OFF_TYPE_LEN));
        int p = off + FrameCodec.OFF_VARIABLE;
        if (!prefix.isEmpty()) {
            byte[] agg = new byte[aggLen];
            map.get(p, agg);
            if (!new String(agg, StandardCharsets.UTF_8).startsWith(prefix)) {
                return false;
            }
        }
        if (!types.isEmpty()) {
            byte[] type = new byte[typeLen];
            map.get(p + aggLen, type);
            return types.contains(new String(type, StandardCharsets.UTF_8));
        }
        return true;
    }

    /** Closes the indexes (waiting for a running flush) and the segments. */
    public void closeQuietly() {
        Indexes i = indexes;
        if (i != null) {
            i.close();
        }
        for (Segment s : segments) {
            try {
                s.close();
            } catch (java.io.IOException ignored) {
                // closing a read-only view after the writer forced everything; nothing to recover
            }
        }
    }
}
