package dev.hindsight.store.file.internal;

import dev.hindsight.core.RecordedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory view of a file log: its segments, where each position lives, the aggregate and event-id indexes, and
 * the committed head. Thread-safety: one writer (recovery, then the group-commit writer) mutates; readers may call
 * {@link #read} and the index getters for positions ≤ {@link #committed()}, which is published last.
 */
public final class LogState {
    private volatile Segment[] segments = new Segment[0];
    private final LongChunks locations = new LongChunks();
    final AggregateIndex aggregates = new AggregateIndex();
    /** Writer only. */
    final UuidIndex ids = new UuidIndex();

    private volatile long committed;
    /** Writer only: offset of the end of data in the active (last) segment. */
    long writeOffset;

    static long location(int ordinal, int offset) {
        return ((long) ordinal << 32) | (offset & 0xFFFFFFFFL);
    }

    long committed() {
        return committed;
    }

    /** Publishes the head; called after every location and index entry up to it is set. */
    void publish(long position) {
        committed = position;
    }

    long location(long position) {
        return locations.get(position);
    }

    void setLocation(long position, int ordinal, int offset) {
        locations.set(position, location(ordinal, offset));
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
            long loc = locations.get(head);
            bytes += (loc >>> 32) == segs.length - 1 ? (int) loc : segs[segs.length - 1].capacity();
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

    private Segment segmentOf(long loc) {
        return segments[(int) (loc >>> 32)];
    }

    /** Reads and verifies the event at {@code position} (1 ≤ position ≤ committed). */
    RecordedEvent read(long position) {
        long loc = locations.get(position);
        return FrameCodec.decode(segmentOf(loc).readFrame((int) loc));
    }

    /** Whether the event at {@code position} passes {@code test} on its aggregate id and type, without decoding. */
    boolean matches(long position, String prefix, java.util.Set<String> types) {
        long loc = locations.get(position);
        Segment seg = segmentOf(loc);
        int off = (int) loc;
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

    public void closeSegmentsQuietly() {
        for (Segment s : segments) {
            try {
                s.close();
            } catch (java.io.IOException ignored) {
                // closing a read-only view after the writer forced everything; nothing to recover
            }
        }
    }
}
