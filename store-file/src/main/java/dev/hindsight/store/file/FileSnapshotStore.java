package dev.hindsight.store.file;

import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.core.spi.StorageUse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots in one append-only file, {@code <dir>/snapshots.log}, framed {@code length | crc32c | payload} (payload:
 * aggregate id, version, timestamp, state schema, state), with an in-memory index of the snapshots kept per
 * aggregate ({@link SnapshotRetention}). Snapshots are derived data, so writes are not forced; a torn tail is truncated on open, and the file is
 * compacted on open when most of it is dropped snapshots. Thread-safe: writes are serialized by the instance lock,
 * reads are positional and lock-free.
 */
public final class FileSnapshotStore implements SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);
    private static final String FILE = "snapshots.log";
    private static final long COMPACT_MIN_BYTES = 64L << 20;

    private record Ref(long version, Instant timestamp, long offset, int length) {}

    private final Path dir;
    private final SnapshotRetention retention;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, List<Ref>> index = new ConcurrentHashMap<>();
    private volatile FileChannel channel; // guarded by this for writes; replaced when an interrupt closed it
    private volatile boolean closed;
    private long end; // guarded by this

    /** One positional I/O operation; it must start over from scratch when called again. */
    @FunctionalInterface
    private interface Io<T> {
        T run(FileChannel ch) throws IOException;
    }

    private FileSnapshotStore(Path dir, SnapshotRetention retention, FileChannel lockChannel, FileLock lock)
            throws IOException {
        this.dir = dir;
        this.retention = retention;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.channel = FileChannel.open(
                dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Opens (creating) the snapshot store in {@code dir}.
     *
     * @param keep snapshots kept per aggregate, ≥ 1 (default 5)
     * @throws StoreLockedException if another process has it open
     */
    public static FileSnapshotStore open(Path dir, int keep) {
        return open(dir, new SnapshotRetention(keep, 0));
    }

    /**
     * Opens (creating) the snapshot store in {@code dir}, keeping snapshots per {@code retention}.
     *
     * @throws StoreLockedException if another process has it open
     */
    public static FileSnapshotStore open(Path dir, SnapshotRetention retention) {
        try {
            Files.createDirectories(dir);
            FileChannel lc = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lc.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lc.close();
                throw new StoreLockedException("snapshot directory " + dir + " is in use by another process");
            }
            try {
                return new FileSnapshotStore(dir, retention, lc, l);
            } catch (IOException | RuntimeException e) {
                lc.close(); // releases the lock: a failed open must not keep the directory locked
                throw e;
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot open snapshots in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void recover() throws IOException {
        long size = channel.size();
        long off = 0;
        long good = 0; // end of the last intact record: what follows it is a torn tail
        long live = 0;
        while (off + 8 <= size) {
            ByteBuffer head = ByteBuffer.allocate(8);
            channel.read(head, off);
            int len = head.getInt(0);
            if (len <= 0 || off + 8 + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            channel.read(payload, off + 8);
            if (crc(payload.array()) != head.getInt(4)) {
                // damaged: skip it (snapshots are derived data); if nothing intact follows, it is cut off below
                LOG.warn("snapshot record in {} at offset {} fails its CRC; skipped", dir.resolve(FILE), off);
                off += 8 + len;
                continue;
            }
            Snapshot s = decode(payload.array());
            remember(s.aggregateId(), new Ref(s.version(), s.timestamp(), off, 8 + len));
            off += 8 + len;
            good = off;
        }
        if (good < size) {
            LOG.warn("truncating torn tail of {} at offset {} ({} bytes)", dir.resolve(FILE), good, size - good);
            channel.truncate(good);
        }
        end = good;
        for (List<Ref> refs : index.values()) {
            for (Ref r : refs) {
                live += r.length();
            }
        }
        if (end > COMPACT_MIN_BYTES && live * 2 < end) {
            compact();
        }
    }

    private void compact() throws IOException {
        Path tmp = dir.resolve(FILE + ".compact");
        Map<String, List<Ref>> moved = new ConcurrentHashMap<>();
        long out = 0;
        try (FileChannel target = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (Map.Entry<String, List<Ref>> e : index.entrySet()) {
                List<Ref> refs = new ArrayList<>();
                for (Ref r : e.getValue()) {
                    ByteBuffer b = ByteBuffer.allocate(r.length());
                    channel.read(b, r.offset());
                    b.flip();
                    while (b.hasRemaining()) {
                        target.write(b, out + b.position());
                    }
                    refs.add(new Ref(r.version(), r.timestamp(), out, r.length()));
                    out += r.length();
                }
                moved.put(e.getKey(), refs);
            }
            target.force(true);
        }
        channel.close();
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.READ, StandardOpenOption.WRITE);
        index.clear();
        index.putAll(moved);
        LOG.info("compacted {} from {} to {} bytes", dir.resolve(FILE), end, out);
        end = out;
    }

    private void remember(String aggregateId, Ref ref) {
        index.compute(aggregateId, (k, old) -> {
            List<Ref> refs = new ArrayList<>(old == null ? List.of() : old);
            refs.removeIf(r -> r.version() == ref.version());
            refs.add(ref);
            refs.sort((a, b) -> Long.compare(b.version(), a.version()));
            return List.copyOf(retention.retain(refs, Ref::version));
        });
    }

    @Override
    public synchronized void save(Snapshot s) {
        byte[] payload = encode(s);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putInt(payload.length).putInt(crc(payload)).put(payload).flip();
        try {
            long at = end;
            io(ch -> {
                b.rewind();
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
                return null;
            });
            end += 8 + payload.length;
            remember(s.aggregateId(), new Ref(s.version(), s.timestamp(), at, 8 + payload.length));
        } catch (IOException e) {
            try {
                channel.truncate(end);
            } catch (IOException ignored) {
                // the next open truncates the torn record anyway
            }
            throw new StoreUnavailableException("cannot write snapshot: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Snapshot> snapshots(String aggregateId) {
        List<Ref> refs = index.get(aggregateId);
        if (refs == null) {
            return List.of();
        }
        List<Snapshot> out = new ArrayList<>(refs.size());
        for (Ref r : refs) {
            Snapshot s = read(aggregateId, r);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** Reads only the one snapshot needed, found in the in-memory index (which holds versions and timestamps). */
    @Override
    public @Nullable Snapshot latest(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        List<Ref> refs = index.get(aggregateId);
        if (refs == null) {
            return null;
        }
        for (Ref r : refs) {
            if (r.version() <= maxVersion && (asOf == null || !r.timestamp().isAfter(asOf))) {
                Snapshot s = read(aggregateId, r);
                if (s != null) {
                    return s;
                }
            }
        }
        return null;
    }

    /** One snapshot, or {@code null} if its record fails its CRC (logged). */
    private @Nullable Snapshot read(String aggregateId, Ref r) {
        try {
            ByteBuffer b = ByteBuffer.allocate(r.length());
            io(ch -> {
                b.clear();
                while (b.hasRemaining()) {
                    if (ch.read(b, r.offset() + b.position()) < 0) {
                        break;
                    }
                }
                return null;
            });
            byte[] payload = new byte[r.length() - 8];
            b.get(8, payload);
            if (crc(payload) != b.getInt(4)) {
                LOG.warn("snapshot of {} at version {} fails its CRC; skipped", aggregateId, r.version());
                return null;
            }
            return decode(payload);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read snapshot: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code op} so that thread interrupts cannot break the store: an interrupt closes a {@link FileChannel} for
     * every thread using it. The caller's interrupt status is cleared for the operation and restored after it; if an
     * interrupt (of this or another thread) closed the channel meanwhile, it is reopened and the operation retried.
     */
    private <T> T io(Io<T> op) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                FileChannel ch = channel;
                try {
                    return op.run(ch);
                } catch (ClosedChannelException e) {
                    if (closed) {
                        throw e;
                    }
                    interrupted |= Thread.interrupted();
                    reopen(ch);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void reopen(FileChannel broken) throws IOException {
        if (channel == broken && !closed) {
            channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    private static byte[] encode(Snapshot s) {
        byte[] agg = s.aggregateId().getBytes(StandardCharsets.UTF_8);
        byte[] schema = s.stateSchema().getBytes(StandardCharsets.UTF_8);
        byte[] state = s.state().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + agg.length + 8 + 12 + 2 + schema.length + 4 + state.length);
        b.putShort((short) agg.length)
                .put(agg)
                .putLong(s.version())
                .putLong(s.timestamp().getEpochSecond())
                .putInt(s.timestamp().getNano())
                .putShort((short) schema.length)
                .put(schema)
                .putInt(state.length)
                .put(state);
        return b.array();
    }

    private static Snapshot decode(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        String agg = string(b, Short.toUnsignedInt(b.getShort()));
        long version = b.getLong();
        Instant ts = Instant.ofEpochSecond(b.getLong(), b.getInt());
        String schema = string(b, Short.toUnsignedInt(b.getShort()));
        String state = string(b, b.getInt());
        return new Snapshot(agg, version, ts, schema, state);
    }

    private static String string(ByteBuffer b, int len) {
        String s = new String(b.array(), b.position(), len, StandardCharsets.UTF_8);
        b.position(b.position() + len);
        return s;
    }

    private static int crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return (int) c.getValue();
    }

    /** The snapshot file's length (including snapshots dropped since the last compaction). */
    @Override
    public long bytesOnDisk() {
        try {
            return Files.size(dir.resolve(FILE));
        } catch (IOException e) {
            return StorageUse.UNKNOWN;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            channel.close();
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("closing {}", dir, e);
        }
    }
}
