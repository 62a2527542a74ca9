package dev.hindsight.store.file;

import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedAppend;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.spi.RetentionSupport;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.file.internal.ActiveCheckpoint;
import dev.hindsight.store.file.internal.ArchiveCache;
import dev.hindsight.store.file.internal.ArchiveManifest;
import dev.hindsight.store.file.internal.Archiver;
import dev.hindsight.store.file.internal.BlockCache;
import dev.hindsight.store.file.internal.BlockSource;
import dev.hindsight.store.file.internal.Compactor;
import dev.hindsight.store.file.internal.FileLogReader;
import dev.hindsight.store.file.internal.GroupCommitWriter;
import dev.hindsight.store.file.internal.LogState;
import dev.hindsight.store.file.internal.Recovery;
import dev.hindsight.store.file.internal.SegmentRetention;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The embedded file-log engine: a segmented append-only log (format in the {@code internal} package docs) with a
 * single group-commit writer, crash recovery on open and on-disk indexes (ADR 0008) that are rebuilt from the log
 * when missing or damaged; the heap it needs is bounded by its options, not by the number of events. Thread-safe: any
 * number of threads may append and read concurrently; readers never take the writer's lock.
 *
 * <p>Opening takes an exclusive OS lock on {@code <dir>/LOCK}; a second process (or a second open in this one) fails
 * at once with {@link StoreLockedException}.
 */
public final class FileEventLog implements EventLog, RetentionSupport {
    /** Ranged reads an open with archived segments makes in the background to warm the object store's client. */
    private static final int WARM_UP_CONNECTIONS = 4;

    private final FileLogOptions options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LogState state;
    private final FileLogReader reader;
    private final GroupCommitWriter writer;
    private final @Nullable Compactor compactor;
    private final @Nullable Archiver archiver;
    private final @Nullable ArchiveCache archiveCache;
    private final SegmentRetention retention;
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition published = waitLock.newCondition();
    private final AtomicInteger waiters = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long recoveredTruncatedBytes;
    private final long recoveredCheckpoint;
    private final long recoveredFromActiveCheckpoint;

    private FileEventLog(
            FileLogOptions options,
            FileChannel lockChannel,
            FileLock lock,
            Recovery.Result recovered,
            Clock clock,
            @Nullable ArchiveCache archiveCache) {
        this.options = options;
        this.archiveCache = archiveCache;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.state = recovered.state();
        this.recoveredTruncatedBytes = recovered.truncatedBytes();
        this.recoveredCheckpoint = recovered.indexedPosition();
        this.recoveredFromActiveCheckpoint = recovered.checkpointEvents();
        this.reader = new FileLogReader(state);
        this.writer = new GroupCommitWriter(state, options, segmentsDir(options), clock, this::signalPublished);
        writer.start();
        this.retention = new SegmentRetention(state, segmentsDir(options), options.compressionLevel());
        this.compactor = options.compressionLevel() == 0
                ? null
                : new Compactor(state, segmentsDir(options), options.compressionLevel());
        if (compactor != null) {
            compactor.start();
        }
        ArchiveOptions a = options.archive();
        if (a != null && compactor != null) {
            try {
                archiver = new Archiver(
                        state,
                        options.directory(),
                        a.store(),
                        a.after(),
                        a.retention(),
                        clock,
                        ArchiveManifest.readLocal(options.directory()));
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot read the archive manifest: " + e.getMessage(), e);
            }
            archiver.start(a.checkInterval());
        } else {
            archiver = null;
        }
    }

    /** Opens (creating if needed) the log in {@code options.directory()}, with the system UTC clock. */
    public static FileEventLog open(FileLogOptions options) {
        return open(options, Clock.systemUTC());
    }

    /**
     * Opens (creating if needed) the log, recovering it after a crash.
     *
     * @throws StoreLockedException if another process has it open
     * @throws CorruptionException if acknowledged data is damaged (names file and offset)
     * @throws StoreUnavailableException on other I/O errors
     */
    public static FileEventLog open(FileLogOptions options, Clock clock) {
        if (options.segmentBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("segmentBytes must be < 2 GiB");
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(segmentsDir(options));
            ch = FileChannel.open(
                    options.directory().resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StoreLockedException("data directory " + options.directory()
                        + " is in use by another Hindsight process (lock held on its LOCK file)");
            }
            Recovery.Result recovered;
            ArchiveCache archiveCache = null;
            try {
                ArchiveOptions a = options.archive();
                if (a != null && a.cacheBytes() > 0) {
                    archiveCache = new ArchiveCache(options.directory(), a.cacheBytes(), a.store());
                }
                ArchiveManifest manifest = ArchiveManifest.readLocal(options.directory());
                if (a != null && !manifest.segments().isEmpty()) {
                    // beside recovery, so that the first cold read does not load the client or open its connections
                    ArchiveCache.warmUp(a.store(), manifest.segments().getLast(), WARM_UP_CONNECTIONS);
                }
                ArchiveCache copies = archiveCache;
                java.util.function.Function<ArchiveManifest.Entry, BlockSource> archivedSource = copies != null
                        ? copies::source
                        : e -> BlockSource.of(a == null ? null : a.store(), e.key(), e.bytes());
                recovered = Recovery.run(
                        segmentsDir(options),
                        (int) options.segmentBytes(),
                        options.indexCacheEntries(),
                        options.memtableEvents(),
                        new BlockCache(options.blockCacheBytes()),
                        manifest,
                        archivedSource);
            } catch (RuntimeException | IOException e) {
                if (archiveCache != null) {
                    archiveCache.close();
                }
                lock.release();
                throw e;
            }
            return new FileEventLog(options, ch, lock, recovered, clock, archiveCache);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StoreUnavailableException("cannot open " + options.directory() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static void closeQuietly(@Nullable FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing; the original error is what matters
            }
        }
    }

    private static Path segmentsDir(FileLogOptions options) {
        return options.directory().resolve("segments");
    }

    /**
     * Waits until every sealed segment queued for compression so far is compressed (benchmarks, tests, scripts that
     * measure the store).
     */
    public void awaitCompaction() throws InterruptedException {
        if (compactor != null) {
            compactor.awaitIdle();
        }
    }

    /**
     * Archives now every compressed segment old enough (waiting for pending compactions first); null when no archive
     * is configured.
     */
    public StorageUse.@Nullable ArchiveRun archiveNow() throws InterruptedException {
        if (archiver == null) {
            return null;
        }
        awaitCompaction();
        return toApi(archiver.runOnce());
    }

    private static StorageUse.@Nullable ArchiveRun toApi(Archiver.@Nullable Run r) {
        return r == null
                ? null
                : new StorageUse.ArchiveRun(r.at(), r.segments(), r.events(), r.bytes(), r.millis(), r.error());
    }

    /**
     * Deletes expired events from the sealed local segments (ADR 0017): each affected segment is rewritten with those
     * records' data and metadata zeroed and marked deleted; positions and versions stay, reads skip them. Segments not
     * compressed yet and the active segment are handled by a later run.
     */
    @Override
    public void deleteExpired(
            RetentionPolicy policy, Instant now, Position appliedUpTo, RetentionSupport.Deletions deletions) {
        if (!(appliedUpTo instanceof Position.Sequence s)) {
            throw new InvalidRequestException("the file log takes a numeric position, not " + appliedUpTo);
        }
        try {
            retention.run(policy, now, s.value(), deletions);
        } catch (IOException e) {
            throw new StoreUnavailableException("retention could not rewrite a segment: " + e.getMessage(), e);
        }
    }

    /** The last archive run, or null (none yet, or no archive configured). */
    public StorageUse.@Nullable ArchiveRun lastArchiveRun() {
        return archiver == null ? null : toApi(archiver.lastRun());
    }

    /** Bytes and events per storage tier, and the compression achieved so far. */
    public StorageUse.Tiers tiers() {
        StorageUse.Tiers t = storage().tiers();
        if (t == null) {
            throw new IllegalStateException("the file log always reports tiers");
        }
        return t;
    }

    /**
     * Compression totals since open.
     *
     * @param segments segments compressed
     * @param plainBytes their plain size
     * @param compressedBytes their compressed size
     * @param nanos time spent compressing (and verifying) them
     * @param failures compactions that failed (the segment stayed plain)
     */
    public record CompactionStats(long segments, long plainBytes, long compressedBytes, long nanos, long failures) {}

    /** Compaction totals since open (zeros when compression is off). */
    public CompactionStats compaction() {
        if (compactor == null) {
            return new CompactionStats(0, 0, 0, 0, 0);
        }
        Compactor.Stats c = compactor.stats();
        return new CompactionStats(c.segments(), c.plainBytes(), c.compressedBytes(), c.nanos(), c.failures());
    }

    /** Hits and misses of the compressed-block cache since open. */
    public CacheStats blockCacheStats() {
        var s = state.blockCache().stats();
        return new CacheStats(s.hitCount(), s.missCount());
    }

    /** Hits and misses of a cache. */
    public record CacheStats(long hitCount, long missCount) {
        public long requestCount() {
            return hitCount + missCount;
        }
    }

    /** The options it was opened with. */
    public FileLogOptions options() {
        return options;
    }

    /** Bytes of torn tail that recovery removed when this log was opened (0 after a clean shutdown). */
    public long recoveredTruncatedBytes() {
        return recoveredTruncatedBytes;
    }

    /**
     * The position up to which the on-disk indexes covered the log on open (0: none, every segment was scanned and
     * its index files written).
     */
    public long indexCheckpointPosition() {
        return recoveredCheckpoint;
    }

    /**
     * Events whose index entries are held in memory (the memtables not yet written as runs): bounded by
     * {@link FileLogOptions#memtableEvents()} plus what the flusher is writing, whatever the history (ADR 0020).
     */
    public long indexMemtableEvents() {
        return state.indexMemtableEvents();
    }

    /**
     * Events of the active segment whose index entries this open loaded from the checkpoint the last clean close
     * wrote, instead of scanning them (0: none, the segment was scanned).
     */
    public long activeCheckpointEvents() {
        return recoveredFromActiveCheckpoint;
    }

    /** Registers the observer told about every group-commit batch (replaces any previous one). */
    public void onCommit(@Nullable CommitObserver observer) {
        writer.observe(observer);
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return writer.append(aggregateId, expected, events);
    }

    @Override
    public Optional<String> stoppedReason() {
        return writer.stoppedReason();
    }

    /** Handed to the writer; the future completes on its acknowledgement thread, after the durable write. */
    @Override
    public CompletableFuture<AppendResult> appendAsync(
            String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return writer.submit(aggregateId, expected, events);
    }

    /** The writer's queue is unbounded: a submit takes its lock only for the enqueue (and waits only for a close). */
    @Override
    public boolean appendAsyncNeverBlocks() {
        return true;
    }

    /** The whole batch goes to the writer at once: one hand-off, typically one durable write. */
    @Override
    public List<AppendOutcome> appendAll(List<ProposedAppend> appends) {
        return writer.appendAll(appends);
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        return reader.readAggregate(aggregateId, fromVersion, limit, dir);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        return reader.aggregateVersion(aggregateId);
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        if (!(after instanceof Position.Sequence s)) {
            throw new InvalidRequestException("the file log takes a numeric position, not " + after);
        }
        return reader.readAll(s.value(), limit, filter);
    }

    @Override
    public Position head() {
        return Position.of(reader.committed());
    }

    /** Events up to the head (positions are dense from 1) and the bytes of log data written for them. */
    @Override
    public StorageUse storage() {
        LogState.Tiers t = state.tiers();
        StorageUse.ArchiveRun run = lastArchiveRun();
        CacheStats stats = blockCacheStats();
        return new StorageUse(
                reader.committed(),
                t.hotBytes(),
                new StorageUse.Tiers(
                        t.hotEvents(),
                        t.hotBytes(),
                        t.archivedEvents(),
                        t.archivedBytes(),
                        t.compressedPlainBytes(),
                        t.compressedBytes(),
                        stats.requestCount() == 0 ? 0 : (double) stats.hitCount() / stats.requestCount(),
                        run == null
                                ? null
                                : new StorageUse.ArchiveRun(
                                        run.at(),
                                        run.segments(),
                                        run.events(),
                                        run.bytes(),
                                        run.millis(),
                                        run.error())));
    }

    /**
     * Checks the whole store: every record's CRC, positions contiguous from 1, versions contiguous per aggregate, and
     * the aggregate index pointing at exactly those records. Reads only; safe while appends continue (it checks up to
     * the head at its start).
     *
     * @param maxProblems stop collecting after this many problems
     */
    public VerifyReport verify(int maxProblems) {
        return reader.verify(maxProblems);
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        long target = after instanceof Position.Sequence s ? s.value() : 0;
        if (reader.committed() > target) {
            return true;
        }
        long nanos = timeout.toNanos();
        waiters.incrementAndGet();
        waitLock.lock();
        try {
            while (reader.committed() <= target && !closed.get()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = published.awaitNanos(nanos);
            }
            return reader.committed() > target;
        } finally {
            waitLock.unlock();
            waiters.decrementAndGet();
        }
    }

    private void signalPublished() {
        if (waiters.get() > 0) {
            waitLock.lock();
            try {
                published.signalAll();
            } finally {
                waitLock.unlock();
            }
        }
    }

    /**
     * Stops accepting appends, finishes and forces the queued ones, wakes waiting subscribers, closes the files and
     * releases the directory lock. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        writer.close();
        ActiveCheckpoint.write(state, options.directory().resolve("index"));
        if (archiver != null) {
            archiver.close();
        }
        if (compactor != null) {
            compactor.close();
        }
        if (archiveCache != null) {
            archiveCache.close();
        }
        signalAll();
        state.closeQuietly();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the process anyway
        }
    }

    private void signalAll() {
        waitLock.lock();
        try {
            published.signalAll();
        } finally {
            waitLock.unlock();
        }
    }
}
