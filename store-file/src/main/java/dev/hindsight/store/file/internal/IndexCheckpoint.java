package dev.hindsight.store.file.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
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
 * checkpoint are still verified record by record on every read. Not thread-safe: used by the writer thread or by
 * recovery.
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
     * Writes the state up to {@code state.committed()}, which must be the last record of the just-sealed and forced
     * segment {@code sealedOrdinal}.
     */
    static void write(Path dir, LogState state, int sealedOrdinal) throws IOException {
        long p = state.committed();
        if (p == 0) {
            return;
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        CRC32C crc = new CRC32C();
        try (OutputStream fos = Files.newOutputStream(tmp);
                CheckedOutputStream cos = new CheckedOutputStream(new BufferedOutputStream(fos, 1 << 16), crc);
                DataOutputStream out = new DataOutputStream(cos)) {
            out.writeLong(MAGIC);
            out.writeLong(p);
            out.writeInt(sealedOrdinal + 1);
            out.writeInt(0);
            for (long i = 1; i <= p; i++) {
                out.writeLong(state.location(i));
            }
            out.writeInt(state.aggregates.size());
            try {
                state.aggregates.forEach((id, e) -> writeAggregate(out, id, e));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.writeInt(state.ids.size());
            state.ids.forEach((m, l, pos) -> {
                out.writeLong(m);
                out.writeLong(l);
                out.writeLong(pos);
            });
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

    private static void writeAggregate(DataOutputStream out, String id, AggregateIndex.Entry e) {
        try {
            byte[] b = id.getBytes(StandardCharsets.UTF_8);
            long[] ps = e.positionsCopy();
            out.writeShort(b.length);
            out.write(b);
            Instant ts = e.lastTimestamp;
            out.writeLong(ts == null ? 0 : ts.getEpochSecond());
            out.writeInt(ts == null ? 0 : ts.getNano());
            out.writeInt(ps.length);
            for (long p : ps) {
                out.writeLong(p);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
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
                    state.aggregates.getOrCreate(new String(b, StandardCharsets.UTF_8))
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
