package dev.hindsight.store.file.internal;

import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.AppendChecks;
import dev.hindsight.core.spi.ProposedAppend;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.file.CommitObserver;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a file log, with group commit: appenders enqueue; the writer takes everything queued, checks
 * each append against the index (plus what earlier appends of the same batch staged), writes the accepted ones with
 * one {@code write}, forces once, publishes them to readers and only then completes the appenders' futures. A
 * rejected append fails alone. Thread-safety: {@link #append} from any thread; everything else runs on the writer
 * thread, except completing the futures of durable appends (the {@code hindsight-acks} thread) and writing a sealed
 * segment's index files (the {@code hindsight-index-flush} thread of {@link Indexes}), both handed work by the writer.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int MAX_APPENDS_PER_BATCH = 8192;

    private final LogState state;
    private final FileLogOptions options;
    private final Path segmentsDir;
    private final Clock clock;
    private final Runnable onPublish;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private final Thread thread;
    private volatile @Nullable CommitObserver observer;
    private boolean closed; // guarded by closeLock

    /** Tests only: runs as a durable write starts to be published, to stand in for a failure there. */
    static volatile @Nullable Runnable publishFaultForTests;

    /**
     * Writer only: what failed while a durable write was being published. The indexes then describe part of frames
     * that are on disk, and the next batch would reuse their positions and offsets, so the writer refuses every later
     * append; reopening the store recovers the log from the disk.
     */
    private volatile @Nullable Throwable broken;

    // Writer-thread state for the batch being built.
    private ByteBuffer buf;
    private final List<Request> staged = new ArrayList<>();
    private final List<Request> finished = new ArrayList<>();
    private final Map<String, StagedAggregate> stagedAggregates = new HashMap<>();
    private final StagedIds stagedIds = new StagedIds();
    /**
     * Completes the futures of durable appends, so that the writer does not wake every appender itself: each wake-up
     * of a parked thread is a system call, and 50 of them per batch were as long as the batch's fdatasync.
     */
    private final ExecutorService acks = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-acks").daemon(true).factory());

    private long nextPosition;
    private long batchStart;
    private int lastFrameOffset = -1;
    private long unsyncedSinceNanos = -1;
    private long rollBacks;
    /** Writer only: flushes made to free room in the middle of a batch. */
    private long midBatchFlushes;

    /** Version and last timestamp of an aggregate after the appends staged so far in this batch. */
    private static final class StagedAggregate {
        long version;
        Instant lastTimestamp;

        StagedAggregate(long version, Instant lastTimestamp) {
            this.version = version;
            this.lastTimestamp = lastTimestamp;
        }
    }

    /** An append waiting for the writer. */
    static final class Request {
        final String aggregateId;
        final ExpectedVersion expected;
        List<ProposedEvent> events;
        final byte[][] frames;
        final CompletableFuture<AppendResult> future = new CompletableFuture<>();
        /** Submitted without a waiting thread ({@link #submit}): a rejection is completed on the acks thread too. */
        final boolean async;

        @Nullable
        AppendResult result;

        long firstPosition;
        long firstVersion;
        int firstOffset;
        /** Writer only: its success was handed to the acknowledgement thread; nothing may fail it any more. */
        boolean acknowledged;

        Request(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events, boolean async) {
            this.aggregateId = aggregateId;
            this.expected = expected;
            this.events = events;
            this.async = async;
            this.frames = new byte[events.size()][];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = FrameCodec.encode(events.get(i));
            }
        }

        /** Replaces the events (with adjusted timestamps) and re-encodes them; writer thread only. */
        void replaceEvents(List<ProposedEvent> adjusted) {
            events = adjusted;
            for (int i = 0; i < frames.length; i++) {
                frames[i] = FrameCodec.encode(adjusted.get(i));
            }
        }

        int bytes() {
            int n = 0;
            for (byte[] f : frames) {
                n += f.length;
            }
            return n;
        }
    }

    private static final Request POISON = new Request("", ExpectedVersion.ANY, List.of(), false);

    public GroupCommitWriter(
            LogState state, FileLogOptions options, Path segmentsDir, Clock clock, Runnable onPublish) {
        this.state = state;
        this.options = options;
        this.segmentsDir = segmentsDir;
        this.clock = clock;
        this.onPublish = onPublish;
        this.buf = ByteBuffer.allocateDirect(options.maxBatchBytes());
        this.thread = Thread.ofPlatform().name("hindsight-writer").daemon(false).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    public void observe(@Nullable CommitObserver observer) {
        this.observer = observer;
    }

    /**
     * Appends and waits until the append is durable (per policy) and visible, or rejected.
     */
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        Request r = new Request(aggregateId, expected, events, false);
        enqueue(r);
        try {
            return r.future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof HindsightException h) {
                throw h;
            }
            throw e;
        }
    }

    /**
     * Hands an append over and returns at once: the future completes on the {@code hindsight-acks} thread once the
     * append is durable (per policy) and visible, or exceptionally with the exception {@link #append} would have thrown
     * (a rejection too, so that no dependent action runs on the writer thread; only the rare failures of a whole write
     * complete it there).
     */
    public CompletableFuture<AppendResult> submit(
            String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        Request r = new Request(aggregateId, expected, events, true);
        try {
            enqueue(r);
        } catch (StoreClosedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return r.future;
    }

    private void enqueue(Request r) {
        closeLock.readLock().lock();
        try {
            if (closed) {
                throw new StoreClosedException("the store is closed");
            }
            queue.add(r);
        } finally {
            closeLock.readLock().unlock();
        }
    }

    /**
     * Many appends handed over at once (one queue hand-off, one waiting thread), judged in list order; each is
     * atomic on its own and a rejected one fails alone. Waits until all are durable (per policy) or rejected.
     */
    public List<AppendOutcome> appendAll(List<ProposedAppend> appends) {
        List<Request> requests = new ArrayList<>(appends.size());
        for (ProposedAppend a : appends) {
            requests.add(new Request(a.aggregateId(), a.expected(), a.events(), false));
        }
        closeLock.readLock().lock();
        try {
            if (closed) {
                throw new StoreClosedException("the store is closed");
            }
            queue.addAll(requests);
        } finally {
            closeLock.readLock().unlock();
        }
        List<AppendOutcome> out = new ArrayList<>(requests.size());
        for (Request r : requests) {
            try {
                out.add(AppendOutcome.of(r.future.join()));
            } catch (java.util.concurrent.CompletionException e) {
                out.add(AppendOutcome.failed(
                        e.getCause() instanceof RuntimeException re
                                ? re
                                : new StoreUnavailableException(e.toString(), e)));
            }
        }
        return out;
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                Request first = nextRequest();
                if (first == null) {
                    syncIfDue(true);
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_APPENDS_PER_BATCH);
                if (batch.remove(POISON)) {
                    // close() enqueues the poison under the write lock, so nothing can be queued behind it
                    stop = true;
                }
                processBatch(batch);
            } catch (InterruptedException e) {
                stop = true;
            } catch (RuntimeException | Error e) {
                LOG.error("writer failed on a batch", e);
                failAll(batch, new StoreUnavailableException("internal writer error: " + e, e));
                // what this batch staged was never written: it must not be published with the next write
                staged.clear();
                finished.clear();
            } finally {
                batch.clear();
            }
        }
        try {
            forceActive();
        } catch (IOException e) {
            LOG.error("final fsync failed", e);
        }
    }

    private @Nullable Request nextRequest() throws InterruptedException {
        if (unsyncedSinceNanos >= 0 && options.fsync() == FsyncPolicy.INTERVAL) {
            long due = unsyncedSinceNanos + options.fsyncInterval().toNanos() - System.nanoTime();
            return due <= 0 ? null : queue.poll(due, TimeUnit.NANOSECONDS);
        }
        return queue.take();
    }

    /** Why this writer stopped for good (fail-stop after a failure while publishing a durable write), if it did. */
    public Optional<String> stoppedReason() {
        Throwable b = broken;
        return b == null
                ? Optional.empty()
                : Optional.of("the store stopped writing after a failure while publishing a durable write (" + b
                        + "); reopen it to recover");
    }

    private void processBatch(List<Request> batch) {
        Throwable b = broken;
        if (b != null) {
            failAll(batch, new StoreUnavailableException(stoppedReason().orElseThrow(), b));
            return;
        }
        resetBuffer();
        for (Request r : batch) {
            try {
                stage(r);
            } catch (HindsightException e) {
                if (broken != null) {
                    // not this append's rejection: publishing a mid-batch flush failed, so the whole batch fails
                    throw e;
                }
                if (r.async) {
                    acks.execute(() -> r.future.completeExceptionally(e));
                } else {
                    r.future.completeExceptionally(e);
                }
            }
        }
        flush();
    }

    private void resetBuffer() {
        buf.clear();
        batchStart = state.committed() + 1;
        nextPosition = batchStart;
        lastFrameOffset = -1;
        stagedAggregates.clear();
        stagedIds.clear();
    }

    private void stage(Request r) {
        AppendResult retry = AppendChecks.idempotentResult(r.events, this::storedEvent);
        if (retry != null) {
            r.result = retry;
            finished.add(r);
            return;
        }
        StagedAggregate sa = stagedAggregates.get(r.aggregateId);
        Indexes.Version stored = sa != null ? null : state.indexes().currentVersion(r.aggregateId);
        long current = sa != null ? sa.version : stored.version();
        Instant lastTs = sa != null ? sa.lastTimestamp : stored.lastTimestamp();
        List<ProposedEvent> accepted =
                AppendChecks.checkNewAppend(r.aggregateId, r.expected, current, lastTs, r.events);
        if (accepted != r.events) {
            r.replaceEvents(accepted);
        }
        int bytes = r.bytes();
        long rollBacksBefore = rollBacks;
        long flushesBefore = midBatchFlushes;
        makeRoom(bytes);
        if (rollBacks != rollBacksBefore || midBatchFlushes != flushesBefore) {
            // makeRoom flushed: the staged appends this one was checked against are now stored (their versions come
            // from the index) or, if the flush failed, dropped. Either way the staging maps were cleared, so check
            // again against what is there now; staging into a cleared map would hide this append from later ones.
            stage(r);
            return;
        }
        long recordedAt = micros(clock.instant());
        r.firstPosition = nextPosition;
        r.firstVersion = current + 1;
        r.firstOffset = buf.position();
        for (int i = 0; i < r.frames.length; i++) {
            int off = buf.position();
            buf.put(r.frames[i]);
            boolean last = i == r.frames.length - 1;
            FrameCodec.seal(
                    buf, off, nextPosition, current + 1 + i, recordedAt, batchStart, last ? FrameCodec.COMMIT : 0);
            lastFrameOffset = off;
            stagedIds.put(r.events.get(i).eventId(), nextPosition);
            nextPosition++;
        }
        if (sa == null) {
            stagedAggregates.put(
                    r.aggregateId,
                    new StagedAggregate(
                            current + r.frames.length, r.events.getLast().timestamp()));
        } else {
            sa.version = current + r.frames.length;
            sa.lastTimestamp = r.events.getLast().timestamp();
        }
        r.result = new AppendResult(
                r.aggregateId, r.firstVersion, current + r.frames.length, Position.of(nextPosition - 1));
        staged.add(r);
        finished.add(r);
    }

    private @Nullable RecordedEvent storedEvent(ProposedEvent p) {
        if (p.idFresh()) {
            // drawn by the store from its random generator just now: not stored, not staged (and no index lookup,
            // which for an absent id searches every index run)
            return null;
        }
        long staged = stagedIds.get(p.eventId());
        if (staged != 0) {
            return stagedEvent(staged);
        }
        long pos = state.indexes().eventPosition(p.eventId());
        return pos == 0 ? null : state.read(pos);
    }

    /** The event staged (not yet written) at {@code position}, as it will be stored. */
    private RecordedEvent stagedEvent(long position) {
        int lo = 0;
        int hi = staged.size() - 1;
        while (lo < hi) { // the last staged append starting at or before position
            int mid = (lo + hi + 1) >>> 1;
            if (staged.get(mid).firstPosition <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Request r = staged.get(lo);
        int i = (int) (position - r.firstPosition);
        ProposedEvent p = r.events.get(i);
        return new RecordedEvent(
                p.eventId(),
                p.aggregateId(),
                p.eventType(),
                p.schemaVersion(),
                p.eventData(),
                p.metadata(),
                r.firstVersion + i,
                Position.of(position),
                p.timestamp(),
                Instant.EPOCH);
    }

    /** Makes sure {@code bytes} more fit in the buffer and in the active segment, flushing and rolling as needed. */
    private void makeRoom(int bytes) {
        int segmentSpace = state.active().capacity() - Segment.HEADER_BYTES;
        if (bytes > segmentSpace) {
            throw new StoreUnavailableException("append of " + bytes + " bytes does not fit in a segment of "
                    + options.segmentBytes() + " bytes; raise the segment size");
        }
        if (state.writeOffset + buf.position() + bytes > state.active().capacity()) {
            flushKeepingStaging();
            roll();
        }
        if (bytes > buf.remaining()) {
            flushKeepingStaging();
            if (bytes > buf.capacity()) {
                buf = ByteBuffer.allocateDirect(bytes);
            }
        }
    }

    /** Flushes what is staged; staged appends of this batch stay visible to the version checks via the index. */
    private void flushKeepingStaging() {
        midBatchFlushes++;
        flush();
        resetBuffer();
    }

    private void flush() {
        if (lastFrameOffset >= 0) {
            buf.put(lastFrameOffset + 8, (byte) (buf.get(lastFrameOffset + 8) | FrameCodec.BATCH_END));
            FrameCodec.reseal(buf, lastFrameOffset);
        }
        int bytes = buf.position();
        long fsyncNanos = 0;
        if (bytes > 0) {
            Segment seg = state.active();
            try {
                buf.flip();
                seg.write(buf, state.writeOffset);
                fsyncNanos = syncAfterWrite(seg);
            } catch (IOException | RuntimeException e) {
                rollBackWrite(seg, e);
                return;
            }
            try {
                publish(seg);
            } catch (RuntimeException | Error e) {
                broken = e;
                throw e;
            }
            state.writeOffset += bytes;
        }
        int events = (int) (nextPosition - batchStart);
        int appends = finished.size();
        if (appends > 0) {
            Request[] done = finished.toArray(new Request[0]);
            for (Request r : done) {
                r.acknowledged = true;
            }
            acks.execute(() -> {
                for (Request r : done) {
                    r.future.complete(r.result);
                }
            });
        }
        staged.clear();
        finished.clear();
        if (bytes > 0) {
            onPublish.run();
            CommitObserver o = observer;
            if (o != null) {
                o.committed(appends, events, bytes, fsyncNanos);
            }
        }
    }

    private long syncAfterWrite(Segment seg) throws IOException {
        switch (options.fsync()) {
            case ALWAYS -> {
                long t0 = System.nanoTime();
                seg.force();
                return System.nanoTime() - t0;
            }
            case INTERVAL -> {
                if (unsyncedSinceNanos < 0) {
                    unsyncedSinceNanos = System.nanoTime();
                }
                return syncIfDue(false);
            }
            case NEVER -> {
                return 0;
            }
            default -> throw new IllegalStateException();
        }
    }

    private long syncIfDue(boolean idle) {
        if (unsyncedSinceNanos < 0) {
            return 0;
        }
        long now = System.nanoTime();
        if (!idle && now - unsyncedSinceNanos < options.fsyncInterval().toNanos()) {
            return 0;
        }
        try {
            state.active().force();
            unsyncedSinceNanos = -1;
        } catch (IOException e) {
            LOG.error("interval fsync failed", e);
        }
        return System.nanoTime() - now;
    }

    private void publish(Segment seg) {
        Runnable fault = publishFaultForTests;
        if (fault != null) {
            fault.run();
        }
        Indexes indexes = state.indexes();
        UuidIndex ids = indexes.active().ids;
        for (Request r : staged) {
            int off = r.firstOffset;
            AggregateIndex.Entry entry = indexes.entryFor(r.aggregateId, r.firstVersion - 1);
            for (int i = 0; i < r.frames.length; i++) {
                seg.addOffset((int) (state.writeOffset + off));
                ids.put(r.events.get(i).eventId(), r.firstPosition + i);
                off += r.frames[i].length;
            }
            // all events of the append become visible to readers of the aggregate at once
            entry.addAppend(r.firstPosition, r.frames.length, r.events.getLast().timestamp());
        }
        state.publish(nextPosition - 1);
        indexes.spillIfFull(nextPosition - 1);
    }

    private void rollBackWrite(Segment seg, Exception cause) {
        rollBacks++;
        LOG.warn("write of {} bytes to {} failed; rolling back", buf.limit(), seg.path(), cause);
        try {
            seg.cutAt(state.writeOffset);
        } catch (IOException e) {
            LOG.error("could not cut {} back to {}", seg.path(), state.writeOffset, e);
        }
        StoreUnavailableException failure = new StoreUnavailableException(
                "the write could not be made durable (" + cause.getMessage() + "); nothing was stored", cause);
        for (Request r : finished) {
            if (staged.contains(r)
                    || r.result == null
                    || ((Position.Sequence) r.result.position()).value() >= batchStart) {
                r.future.completeExceptionally(failure);
            } else {
                r.future.complete(r.result);
            }
        }
        staged.clear();
        finished.clear();
        resetBuffer();
    }

    private void roll() {
        try {
            Segment old = state.active();
            old.force();
            Segment next =
                    Segment.create(segmentsDir, old.ordinal() + 1, state.committed() + 1, (int) options.segmentBytes());
            state.addSegment(next);
            state.indexes().roll(next); // the sealed segment's index files are written off this thread
            state.writeOffset = Segment.HEADER_BYTES;
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "cannot start a new segment (" + e.getMessage() + "); nothing was stored", e);
        }
    }

    private void forceActive() throws IOException {
        state.active().force();
    }

    private static void failAll(List<Request> batch, HindsightException e) {
        for (Request r : batch) {
            if (!r.acknowledged) { // durable already (a flush earlier in this batch): its success stands
                r.future.completeExceptionally(e);
            }
        }
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** Shuts {@code executor} down and waits for its tasks; whether this thread was interrupted meanwhile. */
    private static boolean awaitShutdown(ExecutorService executor, String what) {
        executor.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    return interrupted;
                }
                LOG.warn("still waiting for {}", what);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    /** Stops accepting appends, lets queued ones finish and be forced, then stops the writer thread. */
    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(POISON);
        } finally {
            closeLock.writeLock().unlock();
        }
        // Wait for the writer even if this thread is interrupted: returning early would let the caller close the
        // files (and release the directory lock) under appends still being written.
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        interrupted |= awaitShutdown(acks, "the last acknowledgements");
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
