package dev.hindsight.store.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active segment's in-memory index (record offsets, event ids, aggregate entries), saved when the log closes
 * cleanly so that the next open loads it instead of scanning the segment (ADR 0008, amendment of 2026-12-05): a
 * full 256 MiB active segment took most of the open time, and open time must not depend on how full the segment is.
 *
 * <p>The file ({@code index/active.checkpoint}) names the segment's base position, the next position, the write
 * offset, the offset of the last record and (version 2) the first position of the active memtable, which follows a
 * spill (ADR 0020) and is the segment's base in version 1; it ends with a CRC32C of everything before it. It holds
 * the offsets of the whole segment, but index entries only for the memtable's positions. It is trusted only if
 * its CRC holds, its base is the last segment's, and the record at its last offset is intact and carries its last
 * position; then recovery scans only what follows the write offset (normally nothing). The segment's records up to
 * that offset were forced before the file was written, and the log is append-only, so a checkpoint left behind by a
 * crash later on is still a valid prefix. Recovery deletes it after reading it either way; anything wrong with it
 * means a full scan, as without one.
 */
public final class ActiveCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveCheckpoint.class);
    static final String FILE = "active.checkpoint";
    private static final byte[] MAGIC = "HSACK001".getBytes(StandardCharsets.US_ASCII);
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** What a restored checkpoint covers: positions up to {@code next - 1}, bytes up to {@code writeOffset}. */
    record Restored(long next, int writeOffset) {}

    private ActiveCheckpoint() {}

    /**
     * Saves the active segment's index after the writer stopped; does nothing (and says why at debug level) when the
     * in-memory state does not describe the segment exactly.
     *
     * @param indexDir the log's {@code index} directory
     */
    public static void write(LogState state, Path indexDir) {
        try {
            Segment seg = state.active();
            state.indexes().awaitFlushed(); // the runs must end where the memtable begins
            Memtable m = state.indexes().active();
            long base = seg.basePosition();
            long next = state.committed() + 1;
            int count = seg.offsetCount();
            if (m.segment != seg
                    || next - base != count
                    || m.ids.size() != next - m.base()
                    || state.indexes().coveredTo() != m.base() - 1
                    || state.writeOffset <= 0) {
                LOG.debug("no active-segment checkpoint: the in-memory index does not cover the segment exactly");
                return;
            }
            int[] offsets = seg.offsetsArray();
            if (count > 0 && !Recovery.validFrameAt(seg.map(), offsets[count - 1], seg.capacity(), next - 1)) {
                LOG.debug("no active-segment checkpoint: the last record does not verify");
                return;
            }
            seg.force();
            List<byte[]> ids = new ArrayList<>();
            long[] aggregateBytes = {0};
            m.aggregates.forEach((id, e) -> {
                byte[] b = id.getBytes(StandardCharsets.UTF_8);
                ids.add(b);
                aggregateBytes[0] += 2 + b.length + 8 + 12 + 4 + 4L * e.count();
            });
            long size = MAGIC.length
                    + 4
                    + 8
                    + 8
                    + 4
                    + 4
                    + 8
                    + 4
                    + 4L * count
                    + 4
                    + 24L * m.ids.size()
                    + 4
                    + aggregateBytes[0]
                    + 4;
            if (size > Integer.MAX_VALUE - 8) {
                return;
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            b.put(MAGIC).putInt(2).putLong(base).putLong(next).putLong(m.base()).putInt((int) state.writeOffset);
            b.putInt(count > 0 ? offsets[count - 1] : -1).putInt(count);
            for (int i = 0; i < count; i++) {
                b.putInt(offsets[i]);
            }
            b.putInt(m.ids.size());
            m.ids.forEach((msb, lsb, p) -> b.putLong(msb).putLong(lsb).putLong(p));
            b.putInt(ids.size());
            int[] k = {0};
            m.aggregates.forEach((id, e) -> {
                byte[] name = ids.get(k[0]++);
                b.putShort((short) name.length).put(name).putLong(e.baseVersion);
                Instant t = e.lastTimestamp;
                b.putLong(t == null ? NO_TIMESTAMP : t.getEpochSecond()).putInt(t == null ? 0 : t.getNano());
                int c = e.count();
                b.putInt(c);
                for (int i = 0; i < c; i++) {
                    b.putInt(Math.toIntExact(e.at(i) - base));
                }
            });
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.position());
            b.putInt((int) crc.getValue());
            b.flip();
            Path tmp = indexDir.resolve(FILE + ".tmp");
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                Segment.writeFully(ch, b, 0);
                ch.force(true);
            }
            Files.move(tmp, indexDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
            Segment.forceDirectory(indexDir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted while saving the active segment's index; the next open scans the segment");
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not save the active segment's index ({}); the next open scans the segment", e.toString());
        }
    }

    /**
     * Loads the checkpoint into the empty memtable and offsets of {@code seg} (the last segment) if it is valid for
     * it, and deletes the file either way.
     *
     * @return what it covers, or {@code null} (nothing loaded) to scan the whole segment
     */
    static @Nullable Restored restore(Path indexDir, Segment seg, Memtable m) throws IOException {
        Path file = indexDir.resolve(FILE);
        Files.deleteIfExists(indexDir.resolve(FILE + ".tmp"));
        if (!Files.exists(file)) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            Restored r = load(b, seg, m);
            if (r == null) {
                LOG.info("ignoring {}: it does not match the active segment {}", file, seg.path());
            }
            return r;
        } catch (RuntimeException e) {
            LOG.warn("ignoring damaged {} ({}); scanning the active segment", file, e.toString());
            return null;
        } finally {
            Files.delete(file);
        }
    }

    private static @Nullable Restored load(ByteBuffer b, Segment seg, Memtable m) {
        int end = b.limit() - 4;
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, end);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (end < 0 || b.getInt(end) != (int) crc.getValue() || !java.util.Arrays.equals(magic, MAGIC)) {
            return null;
        }
        int version = b.getInt();
        if (version != 1 && version != 2) {
            return null;
        }
        long base = b.getLong();
        long next = b.getLong();
        long memtableBase = version == 1 ? base : b.getLong();
        int writeOffset = b.getInt();
        int lastOffset = b.getInt();
        int count = b.getInt();
        if (base != seg.basePosition()
                || memtableBase != m.base()
                || next - base != count
                || writeOffset < Segment.HEADER_BYTES
                || writeOffset > seg.capacity()
                || m.ids.size() != 0
                || seg.offsetCount() != 0
                || (count > 0 && !Recovery.validFrameAt(seg.map(), lastOffset, seg.capacity(), next - 1))) {
            return null;
        }
        for (int i = 0; i < count; i++) {
            seg.addOffset(b.getInt());
        }
        int idCount = b.getInt();
        for (int i = 0; i < idCount; i++) {
            m.ids.put(b.getLong(), b.getLong(), b.getLong());
        }
        int aggregates = b.getInt();
        for (int i = 0; i < aggregates; i++) {
            byte[] name = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(name);
            long baseVersion = b.getLong();
            long seconds = b.getLong();
            int nanos = b.getInt();
            Instant last = seconds == NO_TIMESTAMP ? Instant.EPOCH : Instant.ofEpochSecond(seconds, nanos);
            AggregateIndex.Entry e = m.aggregates.getOrCreate(new String(name, StandardCharsets.UTF_8), baseVersion);
            int c = b.getInt();
            for (int j = 0; j < c; j++) {
                e.addAppend(base + b.getInt(), 1, last);
            }
        }
        if (b.position() != end) {
            throw new IllegalStateException("checkpoint has " + (end - b.position()) + " unread bytes");
        }
        return new Restored(next, writeOffset);
    }
}
