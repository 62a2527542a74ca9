package dev.hindsight.store.file;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictTrainer;
import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.file.internal.FrameScanner;
import dev.hindsight.store.file.internal.SnapshotCompaction;
import dev.hindsight.store.file.internal.SnapshotGeneration;
import dev.hindsight.store.file.internal.SnapshotRecords;
import dev.hindsight.store.file.internal.SnapshotRecords.Rec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots in a generation file {@code <dir>/snapshots-<generation>.log} of CRC-framed, zstd-compressed records (with
 * a dictionary trained on the generation's first snapshots), located through an on-disk hash index of aggregate ids,
 * kept per aggregate by a {@link SnapshotRetention} (ADR 0011; format in {@code internal/package-info.java}). The heap
 * holds a bounded memtable of recent locations, not one entry per aggregate. Superseded snapshots are not written
 * when retention would drop them at once, count as dead bytes otherwise, and a background thread rewrites the live
 * ones into the next generation when a seventeenth of the file is dead. A {@code snapshots.log} of format 1 (earlier
 * builds) is converted on open. Snapshots are derived data: writes are not forced, a torn tail is truncated on open,
 * and a damaged record is skipped (logged) — it only costs a longer replay.
 *
 * <p>Thread-safe: saves and compaction's switch of generations are serialized by the instance lock; reads are
 * lock-free (a read racing a switch retries on the new generation).
 */
public final class FileSnapshotStore implements SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);
    private static final String LEGACY = "snapshots.log";
    private static final int SAMPLE_BYTES = 4 << 20;

    private final Path dir;
    private final SnapshotRetention retention;
    private final FileSnapshotOptions options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService compactor = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-snapshot-compact").daemon(true).factory());
    private volatile SnapshotGeneration current; // replaced under this
    private volatile boolean closed;
    private boolean compacting; // guarded by this
    private @Nullable ZstdDictTrainer trainer; // guarded by this
    private int samples; // guarded by this

    private FileSnapshotStore(
            Path dir, SnapshotRetention retention, FileSnapshotOptions options, FileChannel lockChannel, FileLock lock)
            throws IOException {
        this.dir = dir;
        this.retention = retention;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.current = openGeneration();
        synchronized (this) {
            maybeCompact(); // e.g. right after converting a format-1 file, which copies superseded snapshots too
        }
    }

    /**
     * Binds the compression library now, on the calling thread: snapshots are compressed with zstd, whose native
     * bindings take ~0.3 s of CPU to set up on first use (Java 22 and later). Opening a store does not do it; a server
     * calls this on a background thread once it is listening, so that neither its start-up nor its first snapshot
     * pays for it.
     */
    public static void warmUp() {
        new ZstdCompressCtx().close();
    }

    /**
     * Opens (creating) the snapshot store in {@code dir}, keeping the newest {@code keep} snapshots per aggregate.
     *
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
        return open(dir, retention, FileSnapshotOptions.defaults());
    }

    /**
     * Opens (creating) the snapshot store in {@code dir} with explicit tuning.
     *
     * @throws StoreLockedException if another process has it open
     * @throws StoreUnavailableException if it cannot be read or created
     */
    public static FileSnapshotStore open(Path dir, SnapshotRetention retention, FileSnapshotOptions options) {
        try {
            Files.createDirectories(dir);
            FileChannel lc = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lc.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lc.close();
                throw new StoreLockedException("snapshot directory " + dir + " is in use by another process");
            }
            try {
                return new FileSnapshotStore(dir, retention, options, lc, l);
            } catch (IOException | RuntimeException e) {
                lc.close(); // releases the lock: a failed open must not keep the directory locked
                throw e;
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot open snapshots in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The newest intact generation (older ones and temp files of an unfinished compaction are deleted). */
    private SnapshotGeneration openGeneration() throws IOException {
        List<Long> generations = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".log.tmp")) { // an unfinished compaction
                    long unfinished = SnapshotGeneration.generationOf(f.substring(0, f.length() - 4));
                    if (unfinished >= 0) {
                        SnapshotGeneration.deleteFiles(dir, unfinished);
                    }
                } else if (f.equals(LEGACY + ".compact")) { // format 1's unfinished compaction
                    Files.deleteIfExists(p);
                }
                long g = SnapshotGeneration.generationOf(f);
                if (g >= 0) {
                    generations.add(g);
                }
            }
        }
        generations.sort(null);
        Path legacy = dir.resolve(LEGACY);
        if (Files.exists(legacy)) { // format 1: convert (again, if an earlier conversion was cut off)
            for (long g : generations) {
                SnapshotGeneration.deleteFiles(dir, g);
            }
            return upgrade(legacy);
        }
        for (int i = 0; i < generations.size() - 1; i++) {
            SnapshotGeneration.deleteFiles(dir, generations.get(i));
        }
        long newest = generations.isEmpty() ? 0 : generations.getLast();
        if (newest > 0) {
            SnapshotGeneration g = SnapshotGeneration.open(dir, newest, options, this::recovered);
            if (g != null) {
                return g;
            }
            LOG.error(
                    "{} has a damaged header; its snapshots are dropped", dir.resolve(SnapshotGeneration.name(newest)));
            SnapshotGeneration.deleteFiles(dir, newest);
        }
        return SnapshotGeneration.create(dir, newest + 1, options, false);
    }

    /** Converts a format-1 {@code snapshots.log} into generation 1 through the save path, then deletes it. */
    private SnapshotGeneration upgrade(Path legacy) throws IOException {
        SnapshotGeneration g = SnapshotGeneration.create(dir, 1, options, false);
        try (FileChannel ch = FileChannel.open(legacy, StandardOpenOption.READ)) {
            long[] count = new long[1];
            FrameScanner.scan(ch, 0, ch.size(), (off, buf, at, len) -> {
                int from = at + SnapshotRecords.FRAME;
                Snapshot s = SnapshotRecords.decodeFormat1(Arrays.copyOfRange(buf, from, from + len));
                if (s != null) {
                    saveIn(g, s);
                    count[0]++;
                }
            });
            g.install(); // forces the new file and writes the index before the old file goes
            LOG.info(
                    "converted {} ({} snapshots, {} bytes) to format {}",
                    legacy,
                    count[0],
                    ch.size(),
                    SnapshotRecords.FORMAT);
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        Files.delete(legacy);
        return g;
    }

    /** Indexes a record found by the recovery scan of generation {@code g} and counts what it supersedes. */
    private void recovered(SnapshotGeneration g, Rec r) throws IOException {
        long[] dropped = new long[1];
        boolean kept = decide(g.records(r.aggregateId()), r, dropped);
        g.index(r);
        g.addLive((kept ? r.length() : 0) - dropped[0]);
    }

    /**
     * Applies retention to {@code existing} plus {@code added}: whether {@code added} is kept, and (in
     * {@code dropped[0]}) the bytes of the kept records it makes superseded.
     */
    private boolean decide(List<Rec> existing, Rec added, long[] dropped) {
        List<Rec> before = retention.retain(existing, Rec::version);
        List<Rec> merged = new ArrayList<>(existing.size() + 1);
        for (Rec r : existing) {
            if (r.version() != added.version()) {
                merged.add(r);
            }
        }
        merged.add(added);
        merged.sort((a, b) -> Long.compare(b.version(), a.version()));
        List<Rec> after = retention.retain(merged, Rec::version);
        for (Rec r : before) {
            if (!contains(after, r)) {
                dropped[0] += r.length();
            }
        }
        return contains(after, added);
    }

    private static boolean contains(List<Rec> list, Rec r) {
        for (Rec x : list) {
            if (x == r) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void save(Snapshot s) {
        try {
            saveIn(current, s);
            maybeCompact();
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write snapshot: " + e.getMessage(), e);
        }
    }

    /** Writes {@code s} to {@code g} unless retention would drop it at once. Caller holds the lock. */
    private void saveIn(SnapshotGeneration g, Snapshot s) throws IOException {
        Rec placeholder = new Rec(s.aggregateId(), s.version(), s.timestamp(), Long.MAX_VALUE, 0, 0, 0, null);
        long[] dropped = new long[1];
        if (!decide(g.records(s.aggregateId()), placeholder, dropped)) {
            return; // older than what retention keeps (a late background save): writing it would only add dead bytes
        }
        byte[] raw = SnapshotRecords.raw(s.stateSchema(), s.state());
        SnapshotGeneration.Compressed c = g.compress(raw);
        byte[] frame = SnapshotRecords.snapshotRecord(
                s.aggregateId(), s.version(), s.timestamp(), c.dictionary(), raw.length, c.body());
        long at = g.append(frame);
        g.index(new Rec(
                s.aggregateId(), s.version(), s.timestamp(), at, frame.length, c.dictionary(), raw.length, null));
        g.addLive(frame.length - dropped[0]);
        sample(g, raw);
    }

    /** Collects the first snapshots of a generation without a dictionary and trains one from them. */
    private void sample(SnapshotGeneration g, byte[] raw) throws IOException {
        if (g.dictionaryBytes() != null) {
            return;
        }
        if (trainer == null) {
            trainer = new ZstdDictTrainer(SAMPLE_BYTES, options.dictionaryBytes());
            samples = 0;
        }
        boolean room = trainer.addSample(raw);
        if (++samples >= options.trainAfter() || !room) {
            ZstdDictTrainer t = trainer;
            trainer = null;
            try {
                g.useDictionary(t.trainSamples());
                LOG.info("trained a {}-byte snapshot dictionary from {} snapshots", options.dictionaryBytes(), samples);
            } catch (RuntimeException e) { // too few or too uniform samples: try again with the next ones
                LOG.debug("snapshot dictionary training failed: {}", e.toString());
            }
        }
    }

    /**
     * Starts a compaction when a seventeenth of a big enough generation is dead (dead ≥ live / 16), so that the file
     * stays within 6.25% of its live bytes (3% on average; 50% with the first "a third" rule, 12.5% with "a ninth"):
     * bytes on disk per event are an issue-12 floor, met by ~1 byte per event. A compaction rewrites the live bytes, so
     * this costs one rewrite per live/16 bytes superseded. Caller holds the lock.
     */
    private void maybeCompact() {
        SnapshotGeneration g = current;
        long dead = g.end() - SnapshotRecords.HEADER - g.live();
        if (!compacting && !closed && g.end() >= options.compactMinBytes() && dead * 16 >= g.live() && dead > 0) {
            compacting = true;
            compactor.execute(this::compact);
        }
    }

    /** Rewrites the live records of the current generation into the next one, then switches to it. */
    private void compact() {
        SnapshotGeneration old;
        long stop;
        long dictOffset;
        byte @Nullable [] dict;
        synchronized (this) {
            old = current;
            stop = old.end();
            dictOffset = old.dictionary();
            dict = old.dictionaryBytes();
        }
        SnapshotCompaction c = null;
        try {
            c = new SnapshotCompaction(old, retention, options, () -> closed, dictOffset, dict);
            c.copy(SnapshotRecords.HEADER, stop);
            synchronized (this) {
                if (!closed && current == old) {
                    c.copy(stop, old.end()); // what was saved meanwhile, under the lock
                    SnapshotGeneration next = c.install();
                    current = next;
                    c = null; // the new generation is live from here: never abandon it below
                    trainer = null;
                    LOG.info("compacted {} from {} to {} bytes", old.file(), old.end(), next.end());
                    try {
                        old.retire();
                    } catch (IOException e) {
                        // its readers already moved on; files left behind are deleted at the next open
                        LOG.warn("could not delete the replaced snapshot generation {}", old.file(), e);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (closed) {
                LOG.info("snapshot compaction of {} stopped: the store is closing", old.file());
            } else {
                LOG.warn("snapshot compaction of {} failed; retried later", old.file(), e);
            }
        } finally {
            if (c != null) {
                c.abandon();
            }
            synchronized (this) {
                compacting = false;
            }
        }
    }

    @Override
    public List<Snapshot> snapshots(String aggregateId) {
        while (true) {
            SnapshotGeneration g = current;
            try {
                List<Snapshot> out = new ArrayList<>();
                for (Rec r : retention.retain(g.records(aggregateId), Rec::version)) {
                    Snapshot s = decode(g, r);
                    if (s != null) {
                        out.add(s);
                    }
                }
                return out;
            } catch (SnapshotGeneration.Retired e) {
                // compaction replaced the generation: read the new one
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot read snapshots: " + e.getMessage(), e);
            }
        }
    }

    /** Decompresses only the one snapshot needed. */
    @Override
    public @Nullable Snapshot latest(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        while (true) {
            SnapshotGeneration g = current;
            try {
                for (Rec r : retention.retain(g.records(aggregateId), Rec::version)) {
                    if (r.version() <= maxVersion
                            && (asOf == null || !r.timestamp().isAfter(asOf))) {
                        Snapshot s = decode(g, r);
                        if (s != null) {
                            return s;
                        }
                    }
                }
                return null;
            } catch (SnapshotGeneration.Retired e) {
                // compaction replaced the generation: read the new one
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot read snapshot: " + e.getMessage(), e);
            }
        }
    }

    private static @Nullable Snapshot decode(SnapshotGeneration g, Rec r) {
        byte[] raw = g.decompress(r);
        try {
            return raw == null ? null : SnapshotRecords.snapshot(r, raw);
        } catch (RuntimeException e) {
            LOG.warn("snapshot of {} at version {} does not decode; skipped", r.aggregateId(), r.version());
            return null;
        }
    }

    /** The current generation's files: records (including dead ones not yet compacted away), index and state. */
    @Override
    public long bytesOnDisk() {
        try {
            return current.bytesOnDisk();
        } catch (IOException e) {
            return StorageUse.UNKNOWN;
        }
    }

    /** Stops a running compaction (its partial generation is deleted), writes the memtable as an index run, closes. */
    @Override
    public void close() {
        closed = true;
        compactor.shutdown();
        try {
            compactor.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            current.close();
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                LOG.warn("closing {}", dir, e);
            }
        }
    }
}
