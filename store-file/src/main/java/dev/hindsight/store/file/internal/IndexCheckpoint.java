package dev.hindsight.store.file.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted index: a snapshot of the aggregate index, the event-id index and every position's location up to the
 * end of the last sealed segment (position P), written atomically (temp file, fsync, rename, fsync directory) when a
 * segment rolls. On open, recovery loads it and scans (and CRC-verifies) only the segments after it; a missing,
 * damaged or stale checkpoint just means a full scan, since the index is derived data. Sealed segments covered by the
 * checkpoint are still verified record by record on every read. Thread-safety: {@link #write} runs on the
 * checkpoint thread concurrently with the writer (see there); {@link #load} runs during recovery.
 *
 * <p>Format: magic {@code HSIDX001}, long P, int ordinal of the first segment after P, int 0 (reserved), P longs of
 * locations, int aggregate count and per aggregate (short id length, id bytes, long timestamp seconds, int nanos,
 * int count, count longs of positions), int id count and per id (long msb, long lsb, long position), then the CRC32C
 * of all preceding bytes.
 */
final class IndexCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(IndexCheckpoint.class);
    private static final long MAGIC = 0x4853494458303031L; // "HSIDX001"
    static final String FILE = "index.checkpoint";

    /**
     * Where the log continues after a loaded checkpoint.
     *
     * @param position P, the last position the checkpoint covers
     * @param ordinal the first segment after P, to scan from its start
     */
    record Resume(long position, int ordinal) {}

    private IndexCheckpoint() {}

    /**
     * Writes the state up to {@code p}, the last record of the sealed and forced segment {@code sealedOrdinal}.
     *
     * <p>Runs on its own thread while the writer goes on appending, so it takes from the live state only what is
     * immutable up to {@code p}: locations of positions ≤ {@code p}, and each aggregate's positions ≤ {@code p} (a
     * prefix of its position list, which only grows). Event ids and each aggregate's last timestamp as of {@code p}
     * come from the records themselves, read from the sealed segments' maps; the event-id table is the writer's
     * alone.
     */
    static void write(Path dir, LogState state, int sealedOrdinal, long p) throws IOException {
        if (p == 0) {
            return;
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        CRC32C crc = new CRC32C();
        try (OutputStream fos = Files.newOutputStream(tmp);
                // the buffer sits above the checksum, which then sees 64 KiB blocks instead of every 8-byte long
                DataOutputStream out =
                        new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(fos, crc), 1 << 16))) {
            out.writeLong(MAGIC);
            out.writeLong(p);
            out.writeInt(sealedOrdinal + 1);
            out.writeInt(0);
            for (long i = 1; i <= p; i++) {
                out.writeLong(state.location(i));
            }
            List<Map.Entry<String, long[]>> aggregates = new ArrayList<>();
            state.aggregates.forEach((id, e) -> {
                long[] ps = e.positionsUpTo(p);
                if (ps.length > 0) {
                    aggregates.add(Map.entry(id, ps));
                }
            });
            out.writeInt(aggregates.size());
            for (Map.Entry<String, long[]> a : aggregates) {
                writeAggregate(out, state, a.getKey(), a.getValue());
            }
            out.writeInt(Math.toIntExact(p));
            for (long i = 1; i <= p; i++) {
                long loc = state.location(i);
                ByteBuffer map = state.segments()[(int) (loc >>> 32)].map();
                int off = (int) loc;
                out.writeLong(map.getLong(off + FrameCodec.OFF_ID_MSB));
                out.writeLong(map.getLong(off + FrameCodec.OFF_ID_LSB));
                out.writeLong(i);
            }
            out.flush();
            int value = (int) crc.getValue();
            fos.write(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        }
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Segment.forceDirectory(dir);
    }

    private static void writeAggregate(DataOutputStream out, LogState state, String id, long[] ps) throws IOException {
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        long loc = state.location(ps[ps.length - 1]);
        ByteBuffer map = state.segments()[(int) (loc >>> 32)].map();
        out.writeShort(b.length);
        out.write(b);
        out.writeLong(map.getLong((int) loc + FrameCodec.OFF_TS_SECONDS));
        out.writeInt(map.getInt((int) loc + FrameCodec.OFF_TS_NANOS));
        out.writeInt(ps.length);
        for (long p : ps) {
            out.writeLong(p);
        }
    }

    /**
     * Loads the checkpoint into the empty {@code state}.
     *
     * @return where to continue scanning, or {@code null} if there is no usable checkpoint (then {@code state} may be
     *     partly filled and must be discarded)
     */
    static @Nullable Resume load(Path dir, LogState state) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            long size = Files.size(file);
            if (size < 28) {
                return null;
            }
            CRC32C crc = new CRC32C();
            try (InputStream fis = Files.newInputStream(file);
                    CheckedInputStream cis = new CheckedInputStream(new BufferedInputStream(fis, 1 << 16), crc);
                    DataInputStream in = new DataInputStream(cis)) {
                if (in.readLong() != MAGIC) {
                    return null;
                }
                long p = in.readLong();
                int ordinal = in.readInt();
                in.readInt();
                for (long i = 1; i <= p; i++) {
                    long loc = in.readLong();
                    state.setLocation(i, (int) (loc >>> 32), (int) loc);
                }
                int aggregates = in.readInt();
                for (int a = 0; a < aggregates; a++) {
                    byte[] b = new byte[in.readUnsignedShort()];
                    in.readFully(b);
                    long sec = in.readLong();
                    int nanos = in.readInt();
                    // read before the CRC can be checked: a damaged count must not make a huge allocation (an
                    // OutOfMemoryError would fail the open instead of falling back to a scan)
                    int count = in.readInt();
                    if (count < 0 || count > size / 8) {
                        return null;
                    }
                    long[] ps = new long[count];
                    for (int i = 0; i < ps.length; i++) {
                        ps[i] = in.readLong();
                    }
                    state.aggregates
                            .getOrCreate(new String(b, StandardCharsets.UTF_8))
                            .load(ps, ps.length == 0 ? null : Instant.ofEpochSecond(sec, nanos));
                }
                int ids = in.readInt();
                for (int i = 0; i < ids; i++) {
                    state.ids.put(in.readLong(), in.readLong(), in.readLong());
                }
                int expected = (int) crc.getValue();
                int stored = in.readInt();
                if (expected != stored) {
                    LOG.warn("index checkpoint {} fails its CRC; rebuilding the index from the log", file);
                    return null;
                }
                return new Resume(p, ordinal);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("index checkpoint {} is unreadable ({}); rebuilding the index from the log", file, e.toString());
            return null;
        }
    }
}
