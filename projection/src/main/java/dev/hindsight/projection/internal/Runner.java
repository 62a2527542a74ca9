package dev.hindsight.projection.internal;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.PageBudget;
import dev.hindsight.projection.PartitionReader;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionOptions;
import dev.hindsight.projection.ReadModelDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one generation of one projection up to date: reads the global log in batches after its checkpoint, applies
 * each batch and saves the new checkpoint in one transaction (so a crash redoes exactly the uncommitted batch), and
 * waits for new events when caught up. A failing batch is retried event by event to find the failing event, which is
 * retried with backoff and then either dead-lettered (its aggregate parked) or stops the runner as failed. Thread-safe:
 * the loop runs on its own virtual thread; the getters and {@link #awaitPosition} may be called from anywhere.
 *
 * <p>A runner of some partitions of a partitioned log ({@link #forPartitions}) reads only those and commits, with each
 * batch, the offset of every partition the batch advanced in that partition's checkpoint row, fenced by the epoch it
 * holds the partition with: when a later holder has claimed one, the batch rolls back and the runner drops that
 * partition and goes on with the others (state {@code fenced} once it has none left).
 */
public final class Runner {
    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);
    private static final Duration IDLE_WAIT = Duration.ofMillis(500);
    /** First wait after a failure that is not the events' fault ({@link SqlFailures}); doubles up to the maximum. */
    private static final long FIRST_TRANSIENT_WAIT_MILLIS = 50;

    private static final long MAX_TRANSIENT_WAIT_MILLIS = 5_000;

    /** Called (on the runner's thread) the first time a catch-up reaches the head. */
    public interface CaughtUp {
        void reached(Runner runner);
    }

    private final EventStore store;
    private final ReadModelDatabase db;
    private final Projection projection;
    private final Upcasters upcasters;
    private final ProjectionOptions options;
    private final long generation;
    private final Set<String> tables;
    private final EventFilter filter;
    /** Wait after a wake-up before reading, for a bigger page ({@link Switches#pageLingerMillis}); 0: none. */
    private final long lingerMillis;
    /** On a PostgreSQL read model: its tables' statistics kept current as they grow; otherwise null. */
    private final @Nullable TableStatistics statistics;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progressed = lock.newCondition();
    private final Condition pausedCond = lock.newCondition();
    private final AtomicLong processed = new AtomicLong();
    /** Aggregates whose events are dead-lettered (written by the runner's thread, read by the inline hook). */
    private final Set<String> parked = ConcurrentHashMap.newKeySet();

    private volatile Position position;
    private volatile String state;
    private volatile boolean running;
    private volatile boolean pauseRequested;
    private volatile boolean paused;
    private volatile int batchSize;
    private volatile @Nullable CaughtUp onCaughtUp;
    private volatile java.util.function.@Nullable Supplier<Position> catchUpTarget;
    private volatile @Nullable String lastError;
    private volatile @Nullable String failedPosition;
    private volatile @Nullable Thread thread;
    /**
     * Whether the loop's thread is in a wait that {@link #stop} may cut short (guarded by {@code lock}). Only waits are
     * interrupted, never a read-model transaction: an interrupted virtual thread's socket is closed, and a commit cut
     * off that way could still land after a restarted runner had read the checkpoint before it, which then applied the
     * batch a second time.
     */
    private boolean interruptible;
    // Set by forPartitions before start (start publishes it to the loop's thread); null reads the whole log.
    private @Nullable PartitionReader partitionReader;
    /** Epoch by partition of a partitions' runner; the runner's thread drops a fenced one (copy on write). */
    private volatile Map<Integer, Long> epochs = Map.of();

    public Runner(
            EventStore store,
            ReadModelDatabase db,
            Projection projection,
            Upcasters upcasters,
            ProjectionOptions options,
            long generation,
            Position start,
            int batchSize,
            String state) {
        this.store = store;
        this.db = db;
        this.projection = projection;
        this.upcasters = upcasters;
        this.options = options;
        this.generation = generation;
        this.tables = Set.copyOf(projection.tables());
        this.filter = new EventFilter(projection.eventTypes(), "");
        this.lingerMillis = Switches.pageLingerMillis(db.dialect());
        this.statistics = db.dialect() == dev.hindsight.projection.Dialect.POSTGRES ? new TableStatistics() : null;
        this.position = start;
        this.batchSize = batchSize;
        this.state = state;
    }

    public long generation() {
        return generation;
    }

    public Position position() {
        return position;
    }

    public String state() {
        return state;
    }

    public long processed() {
        return processed.get();
    }

    public @Nullable String lastError() {
        return lastError;
    }

    public @Nullable String failedPosition() {
        return failedPosition;
    }

    /**
     * Sets what happens when this (rebuilding) runner first catches up: when its position covers {@code target}'s
     * current value (checked after every batch), or when it reaches the head of the log.
     */
    public void onCaughtUp(java.util.function.Supplier<Position> target, @Nullable CaughtUp callback) {
        this.catchUpTarget = target;
        this.onCaughtUp = callback;
    }

    /** Switches a rebuild runner to live operation. */
    public void goLive(int liveBatchSize) {
        this.batchSize = liveBatchSize;
        this.state = "running";
    }

    /**
     * Makes this runner apply only the partitions of {@code epochs}, read through {@code reader}, committing each
     * partition's checkpoint as the holder of its epoch ({@link Catalog#claimPartition}). Call before {@link #start}.
     */
    public Runner forPartitions(PartitionReader reader, Map<Integer, Long> epochs) {
        this.partitionReader = reader;
        this.epochs = Map.copyOf(epochs);
        return this;
    }

    /** The epoch this partitions' runner holds {@code partition} with. */
    public long epoch(int partition) {
        return epochs.get(partition);
    }

    /** The partitions a partitions' runner applies (without those it was fenced from), ascending. */
    public List<Integer> partitions() {
        return new java.util.TreeSet<>(epochs.keySet()).stream().toList();
    }

    public Runner start(String threadName) {
        running = true;
        // A virtual thread. A platform thread (tried in session 11 so that the runner would not wait for a carrier
        // behind requests) raised the projection lag p50 on the file engine from ~1.3 to ~7.4 ms in four of four
        // same-run rounds, with no gain shown on PostgreSQL (ADR 0005, amendment of session 11).
        Thread t = Thread.ofVirtual().name(threadName).unstarted(this::loop);
        thread = t;
        t.start();
        return this;
    }

    private void loop() {
        long reconnectWait = FIRST_TRANSIENT_WAIT_MILLIS;
        WriterSession lost = null;
        boolean reconnected = false;
        try {
            while (true) {
                Connection c = null;
                SessionImpl session = null;
                try {
                    c = db.openWriter();
                    if (reconnected) {
                        if (lost != null) {
                            lost.end(c, ms -> interruptibly(() -> Thread.sleep(ms)));
                        }
                        resumeFromCheckpoint(c);
                        reconnectWait = FIRST_TRANSIENT_WAIT_MILLIS;
                    }
                    lost = WriterSession.of(c, db.dialect());
                    parked.addAll(Catalog.parkedAggregates(c, projection.name(), generation));
                    session = new SessionImpl(
                            c, db.dialect(), tables, SessionImpl.generationSuffix(generation), Switches.batchWrites());
                    runLoop(session);
                    return;
                } catch (SQLException | RuntimeException e) {
                    if (!reconnects() || SqlFailures.of(e, c) != SqlFailures.Kind.CONNECTION) {
                        throw e;
                    }
                    lastError = "read-model connection lost: " + e;
                    LOG.warn(
                            "projection {}: read-model connection lost at {} ({}); reconnecting in {} ms",
                            projection.name(),
                            position,
                            e.toString(),
                            reconnectWait);
                } finally {
                    if (session != null) {
                        session.close();
                    }
                    closeQuietly(c);
                }
                long wait = reconnectWait;
                interruptibly(() -> Thread.sleep(wait));
                reconnectWait = Math.min(reconnectWait * 2, MAX_TRANSIENT_WAIT_MILLIS);
                reconnected = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (PartitionFencedException e) {
            LOG.info("projection {}: {}; stopping", projection.name(), e.getMessage());
            state = "fenced";
        } catch (SQLException | RuntimeException | Error e) {
            // an Error too (a handler's assertion, a stack overflow): it ends the loop as well, and a runner that
            // ended without a word kept showing its last state ("running") while it applied nothing more
            if (running) {
                LOG.error("projection {} (generation {}) stopped", projection.name(), generation, e);
                lastError = e.toString();
                failedPosition = position.toString();
                state = "failed";
            }
        } finally {
            running = false;
            signalAll();
        }
    }

    /**
     * Whether a lost read-model connection is reopened: for a live runner, whose checkpoint rows say exactly what was
     * committed (a partitions' runner's batches stay fenced by the epochs it holds). Not during a first build or a
     * rebuild (a build may write unlogged tables, which a server crash empties while their checkpoint stays: the next
     * start builds again from position 0).
     */
    private boolean reconnects() {
        return running && "running".equals(state);
    }

    /**
     * After a reconnect, once the lost connection's server session has ended ({@link WriterSession}): the position is
     * the checkpoint's, which a commit whose outcome the lost connection never told may have moved (then the batch is
     * not applied again) or not (then it is). A partitions' runner takes each partition it holds from its row.
     */
    private void resumeFromCheckpoint(Connection c) throws SQLException {
        Position committed;
        if (partitionReader != null && position instanceof Position.Vector v) {
            long[] offsets = v.offsets().clone();
            Map<Integer, Long> rows = Catalog.partitionOffsets(c, projection.name(), generation);
            for (int p : epochs.keySet()) {
                if (p < offsets.length && rows.containsKey(p)) {
                    offsets[p] = rows.get(p);
                }
            }
            committed = new Position.Vector(offsets);
        } else {
            committed = Catalog.checkpoint(c, projection.name(), generation).orElse(position);
        }
        LOG.info("projection {}: reconnected; resuming at {}", projection.name(), committed);
        advance(committed, 0);
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a connection that is already gone
            }
        }
    }

    /** A wait of the loop's thread. */
    @FunctionalInterface
    private interface Wait {
        void run() throws InterruptedException;
    }

    /** Runs {@code w}, which {@link #stop} may interrupt; refuses to start it once stopping. */
    private void interruptibly(Wait w) throws InterruptedException {
        lock.lock();
        try {
            if (!running) {
                throw new InterruptedException("stopping");
            }
            interruptible = true;
        } finally {
            lock.unlock();
        }
        try {
            w.run();
        } finally {
            lock.lock();
            try {
                interruptible = false;
                Thread.interrupted(); // an interrupt of stop that came as the wait ended must not reach a transaction
            } finally {
                lock.unlock();
            }
        }
    }

    private void runLoop(SessionImpl session) throws SQLException, InterruptedException {
        while (running) {
            interruptibly(this::awaitUnpaused);
            if (!running) {
                break;
            }
            GlobalSlice slice = read();
            if (slice.events().isEmpty()) {
                if (!slice.next().equals(position)) {
                    commitBatch(session, List.of(), slice.next());
                    continue;
                }
                CaughtUp cb = onCaughtUp;
                if (cb != null) {
                    onCaughtUp = null;
                    cb.reached(this);
                    continue;
                }
                interruptibly(this::awaitMore);
                continue;
            }
            try {
                if (!applyBatch(session, slice.events(), slice.next())) {
                    return;
                }
            } catch (PartitionFencedException e) {
                if (!dropFenced(e)) {
                    throw e;
                }
                continue; // the batch rolled back: read again without that partition
            }
            CaughtUp cb = onCaughtUp;
            java.util.function.Supplier<Position> target = catchUpTarget;
            if (cb != null && target != null && position.covers(target.get())) {
                onCaughtUp = null;
                cb.reached(this);
            }
            if (lingerMillis > 0
                    && slice.events().size() < batchSize
                    && onCaughtUp == null
                    && partitionReader == null
                    && !PageBudget.filled(slice.events())) {
                // A short page held all that was visible: linger before the next read, so that it carries what
                // commits meanwhile (if nothing does, that read is empty and the runner waits for a commit). A page
                // that the byte budget cut short is followed by more events already: read on at once.
                interruptibly(() -> Thread.sleep(lingerMillis));
            }
        }
    }

    /**
     * Waits for events after the position; when woken by one, lingers (if configured) so that the next page also
     * holds what commits meanwhile: one read and one transaction for several commits instead of one each.
     */
    private void awaitMore() throws InterruptedException {
        boolean woke = partitionReader != null
                ? partitionReader.awaitAfter(epochs.keySet(), position, IDLE_WAIT)
                : store.log().awaitAfter(position, IDLE_WAIT);
        if (woke && lingerMillis > 0 && running) {
            Thread.sleep(lingerMillis);
        }
    }

    /**
     * After a batch found a partition claimed by a later holder: goes on without it.
     *
     * @return whether partitions are left
     */
    private boolean dropFenced(PartitionFencedException e) {
        Map<Integer, Long> left = new java.util.HashMap<>(epochs);
        left.remove(e.partition());
        epochs = Map.copyOf(left);
        LOG.info("projection {}: {}; going on without it", projection.name(), e.getMessage());
        return !left.isEmpty();
    }

    /** The next batch after the position: of the whole log, or of this runner's partitions. */
    private GlobalSlice read() {
        PartitionReader r = partitionReader;
        if (r == null) {
            return store.readAll(position, batchSize, filter);
        }
        GlobalSlice slice = r.read(epochs.keySet(), position, batchSize, filter);
        dev.hindsight.core.privacy.Shredder shredder = store.shredder();
        return shredder == null ? slice : new GlobalSlice(shredder.reveal(slice.events()), slice.next());
    }

    /**
     * Commits {@code next} as the checkpoint, in the caller's transaction: for a partitions' runner, the offset of
     * each partition {@code next} moves, fenced by its epoch.
     *
     * @throws PartitionFencedException if a later holder claimed one of them
     */
    private void saveCheckpoint(Connection c, Position next) throws SQLException {
        if (partitionReader == null) {
            Catalog.saveCheckpoint(c, projection.name(), generation, next);
            return;
        }
        Position.Vector from = (Position.Vector) position;
        Position.Vector to = (Position.Vector) next;
        for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
            int p = e.getKey();
            if (to.offset(p) != from.offset(p)) {
                Catalog.savePartitionCheckpoint(c, projection.name(), generation, p, e.getValue(), to.offset(p));
            }
        }
    }

    /**
     * Applies a batch in one transaction; on failure isolates the failing event. A failure that is not the events'
     * ({@link SqlFailures}) is retried as a batch without a limit, or ends the loop when the connection is gone.
     * Returns false if it must stop.
     */
    private boolean applyBatch(SessionImpl session, List<RecordedEvent> events, Position next)
            throws SQLException, InterruptedException {
        long wait = FIRST_TRANSIENT_WAIT_MILLIS;
        while (true) {
            try {
                commitBatch(session, events, next);
                return true;
            } catch (PartitionFencedException e) {
                throw e;
            } catch (SQLException | RuntimeException e) {
                lastError = e.toString();
                SqlFailures.Kind kind = SqlFailures.of(e, session.rawConnection());
                if (kind == SqlFailures.Kind.CONNECTION) {
                    throw e;
                }
                if (kind == SqlFailures.Kind.EVENT) {
                    LOG.warn(
                            "projection {}: batch after {} failed ({}); retrying event by event",
                            projection.name(),
                            position,
                            e.toString());
                    break;
                }
                wait = waitAfterTransient(e, wait);
            }
        }
        for (RecordedEvent e : events) {
            if (!applyOne(session, e)) {
                return false;
            }
        }
        if (!next.equals(position)) {
            commitBatch(session, List.of(), next);
        }
        return true;
    }

    /** Waits {@code wait} ms after a failure that was not the events' fault; returns the next wait. */
    private long waitAfterTransient(Exception e, long wait) throws InterruptedException {
        LOG.debug("projection {}: read model busy at {} ({}); retrying in {} ms", projection.name(), position, e, wait);
        interruptibly(() -> Thread.sleep(wait));
        return Math.min(wait * 2, MAX_TRANSIENT_WAIT_MILLIS);
    }

    private boolean applyOne(SessionImpl session, RecordedEvent e) throws SQLException, InterruptedException {
        Position after = position.advanceTo(e.position());
        long backoff = options.retryBackoff().toMillis();
        long transientWait = FIRST_TRANSIENT_WAIT_MILLIS;
        for (int attempt = 1; attempt <= options.maxAttempts(); ) {
            try {
                commitBatch(session, List.of(e), after);
                return true;
            } catch (PartitionFencedException ex) {
                throw ex;
            } catch (SQLException | RuntimeException ex) {
                lastError = "event " + e.position() + " (" + e.eventType() + " of " + e.aggregateId() + "): " + ex;
                SqlFailures.Kind kind = SqlFailures.of(ex, session.rawConnection());
                if (kind == SqlFailures.Kind.CONNECTION) {
                    throw ex;
                }
                if (kind == SqlFailures.Kind.TRANSIENT) {
                    transientWait = waitAfterTransient(ex, transientWait); // not an attempt: not the event's fault
                    continue;
                }
                if (attempt < options.maxAttempts()) {
                    long wait = Math.min(backoff, 30_000);
                    interruptibly(() -> Thread.sleep(wait));
                    backoff *= 2;
                }
                attempt++;
            }
        }
        if (options.deadLetter()) {
            Connection c = session.rawConnection();
            ReadModelDatabase.inTransaction(c, () -> {
                Catalog.addDeadLetter(c, projection.name(), generation, e, String.valueOf(lastError));
                saveCheckpoint(c, after);
            });
            parked.add(e.aggregateId());
            advance(after, 0);
            LOG.warn(
                    "projection {}: event {} dead-lettered; aggregate {} parked",
                    projection.name(),
                    e.position(),
                    e.aggregateId());
            return true;
        }
        failedPosition = e.position().toString();
        state = "failed";
        running = false;
        LOG.error("projection {} failed at {}: {}", projection.name(), e.position(), lastError);
        return false;
    }

    private void commitBatch(SessionImpl session, List<RecordedEvent> events, Position next) throws SQLException {
        BatchSpans.run(
                store.tracing(), projection.name(), position, events, next, () -> commitNow(session, events, next));
    }

    private void commitNow(SessionImpl session, List<RecordedEvent> events, Position next) throws SQLException {
        Connection c = session.rawConnection();
        int[] applied = {0};
        inTransaction(session, () -> {
            List<long[]> inline = options.inline() && next instanceof Position.Sequence n
                    ? InlineMarkers.upTo(c, projection.name(), generation, n.value())
                    : List.of();
            for (RecordedEvent e : projection.rowsPerAggregate() ? BatchOrder.waves(events) : events) {
                if (!inline.isEmpty()
                        && e.position() instanceof Position.Sequence p
                        && InlineMarkers.covered(inline, p.value())) {
                    applied[0]++; // applied by its append (an inline projection)
                    continue;
                }
                if (parked.contains(e.aggregateId())) {
                    session.flush();
                    Catalog.addDeadLetter(
                            c, projection.name(), generation, e, "aggregate parked after an earlier failure");
                    continue;
                }
                for (RecordedEvent u : upcasters.upcast(e)) {
                    projection.apply(u, session);
                }
                applied[0]++;
            }
            if (inline.isEmpty() && partitionReader == null) {
                // Queued behind the batch's writes, so that all of them reach the server in one round trip, with the
                // COMMIT when they are set-based (PostgreSQL): the checkpoint commits with the writes as before, and
                // the
                // transaction no longer waits for a second message (inTransaction's commit then sends nothing).
                Catalog.queueCheckpoint(session, projection.name(), generation, next);
                session.flushAndCommit();
            } else {
                session.flush();
                if (!inline.isEmpty()) {
                    InlineMarkers.passed(c, projection.name(), generation, ((Position.Sequence) next).value());
                }
                saveCheckpoint(c, next);
            }
        });
        advance(next, applied[0]);
        if (statistics != null && applied[0] > 0) {
            statistics.maybeAnalyze(
                    c,
                    processed.get(),
                    () -> projection.tables().stream().map(session::table).toList());
        }
    }

    /**
     * {@link ReadModelDatabase#inTransaction} for work through {@code session}: {@code work} must {@link
     * SessionImpl#flush()} before it returns; if it throws, the session's queued updates are dropped (after any still
     * running has ended) before the rollback.
     */
    static void inTransaction(SessionImpl session, ReadModelDatabase.SqlWork work) throws SQLException {
        ReadModelDatabase.inTransaction(session.rawConnection(), () -> {
            boolean done = false;
            try {
                work.run();
                done = true;
            } finally {
                if (!done) {
                    session.discard(); // before the rollback: nothing of this transaction may still be running
                }
            }
        });
    }

    private void advance(Position next, int applied) {
        lock.lock();
        try {
            position = next;
            processed.addAndGet(applied);
            progressed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until this runner's position covers {@code target}.
     *
     * @return whether it did within the timeout
     */
    public boolean awaitPosition(Position target, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!position.covers(target)) {
                if (nanos <= 0 || (!running && !paused)) {
                    return position.covers(target);
                }
                nanos = progressed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether events of {@code aggregateId} are dead-lettered after an earlier failure: the inline hook leaves them to
     * this runner, which dead-letters them too, so that the aggregate is not applied with a gap.
     */
    public boolean isParked(String aggregateId) {
        return parked.contains(aggregateId);
    }

    /** Stops at the next batch boundary and waits until it is parked there. */
    public void pause() throws InterruptedException {
        lock.lock();
        try {
            pauseRequested = true;
            while (running && !paused) {
                pausedCond.await(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    public void resume() {
        lock.lock();
        try {
            pauseRequested = false;
            pausedCond.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void awaitUnpaused() throws InterruptedException {
        if (!pauseRequested) {
            return;
        }
        lock.lock();
        try {
            paused = true;
            pausedCond.signalAll();
            while (pauseRequested && running) {
                pausedCond.await();
            }
            paused = false;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop and waits for it to end: a wait ends at once, a batch in flight when it has committed. */
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            lock.lock();
            try {
                if (interruptible) {
                    t.interrupt();
                }
            } finally {
                lock.unlock();
            }
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!"failed".equals(state)) {
            state = "stopped";
        }
    }

    public boolean isRunning() {
        return running;
    }

    private void signalAll() {
        lock.lock();
        try {
            progressed.signalAll();
            pausedCond.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies everything after {@code from} up to and including {@code until} into the tables named with
     * {@code suffix}, on the calling thread, without checkpoints (for verify).
     */
    public static void replayInto(
            EventStore store,
            Connection c,
            ReadModelDatabase db,
            Projection projection,
            Upcasters upcasters,
            String suffix,
            Position until,
            int batchSize)
            throws SQLException {
        try (SessionImpl session = new SessionImpl(c, db.dialect(), Set.copyOf(projection.tables()), suffix, true)) {
            replayInto(store, session, projection, upcasters, until, batchSize);
        }
    }

    private static void replayInto(
            EventStore store,
            SessionImpl session,
            Projection projection,
            Upcasters upcasters,
            Position until,
            int batchSize)
            throws SQLException {
        EventFilter filter = new EventFilter(projection.eventTypes(), "");
        // On a partitioned log an event beyond `until` in one partition says nothing of the others, whose events up
        // to `until` may come later in the global read: skip it and go on until the read covers `until`.
        boolean ordered = store.log().totallyOrdered();
        Position[] at = {store.log().start()};
        boolean[] done = {false};
        while (!done[0] && !at[0].covers(until)) {
            GlobalSlice slice = store.readAll(at[0], batchSize, filter);
            inTransaction(session, () -> {
                for (RecordedEvent e : slice.events()) {
                    if (!until.covers(e.position())) {
                        if (!ordered) {
                            continue;
                        }
                        done[0] = true;
                        break;
                    }
                    for (RecordedEvent u : upcasters.upcast(e)) {
                        projection.apply(u, session);
                    }
                }
                session.flush();
            });
            if (slice.events().isEmpty() && slice.next().equals(at[0])) {
                break;
            }
            at[0] = slice.next();
        }
    }
}
