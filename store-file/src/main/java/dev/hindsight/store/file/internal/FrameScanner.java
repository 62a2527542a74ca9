package dev.hindsight.store.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sequential scan of {@code length | crc32c | payload} frames (both snapshot formats) through a 1 MiB window. Stateless,
 * thread-safe.
 */
public final class FrameScanner {
    private static final Logger LOG = LoggerFactory.getLogger(FrameScanner.class);
    private static final int WINDOW = 1 << 20;
    private static final int MAX_RECORD = 64 << 20;

    private FrameScanner() {}

    /** Sees one intact frame: its payload is {@code buf[at + 8, at + 8 + payloadLength)}. */
    @FunctionalInterface
    public interface Visitor {
        void visit(long offset, byte[] buf, int at, int payloadLength) throws IOException;
    }

    /**
     * Visits the intact frames in {@code [from, to)}, skipping (and logging) those that fail their CRC, and stops at
     * the first frame whose length is not positive or runs past {@code to}.
     *
     * @return the end of the last intact frame ({@code from} if none): what follows it is a torn tail
     */
    public static long scan(FileChannel ch, long from, long to, Visitor visitor) throws IOException {
        byte[] buf = new byte[WINDOW];
        long bufStart = from;
        int bufLen = 0;
        long off = from;
        long good = from;
        while (off + SnapshotRecords.FRAME <= to) {
            if (off + SnapshotRecords.FRAME > bufStart + bufLen) {
                bufStart = off;
                bufLen = fill(ch, buf, off, to);
                if (bufLen < SnapshotRecords.FRAME) {
                    break;
                }
            }
            int len = SnapshotRecords.payloadLength(buf, (int) (off - bufStart));
            if (len <= 0 || len > MAX_RECORD || off + SnapshotRecords.FRAME + len > to) {
                break;
            }
            int whole = SnapshotRecords.FRAME + len;
            if (off + whole > bufStart + bufLen) {
                if (whole > buf.length) {
                    buf = Arrays.copyOf(buf, whole);
                }
                bufStart = off;
                bufLen = fill(ch, buf, off, to);
                if (bufLen < whole) {
                    break;
                }
            }
            int at = (int) (off - bufStart);
            if (SnapshotRecords.intact(buf, at, len)) {
                visitor.visit(off, buf, at, len);
                good = off + whole;
            } else {
                // damaged: skip it (snapshots are derived data); if nothing intact follows, it is cut off
                LOG.warn("snapshot record at offset {} fails its CRC; skipped", off);
            }
            off += whole;
        }
        return good;
    }

    private static int fill(FileChannel ch, byte[] buf, long at, long to) throws IOException {
        int want = (int) Math.min(buf.length, to - at);
        ByteBuffer b = ByteBuffer.wrap(buf, 0, want);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return b.position();
    }
}
