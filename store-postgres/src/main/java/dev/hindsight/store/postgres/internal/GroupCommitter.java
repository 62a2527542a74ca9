package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.postgres.internal.AppendCall.Outcome;
import dev.hindsight.store.postgres.internal.AppendCall.Request;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * App-side group commit: appenders queue their appends; a few writer threads each take what is queued (up to
 * {@value #MAX_APPENDS} appends to distinct aggregates, {@value #MAX_EVENTS} events, {@value #MAX_CHARS} characters)
 * and run it as one {@link AppendCall} (a batch of one as a {@link SingleAppend}), so one round trip and one commit
 * serve many appends. With several writers, one batch executes while another waits for its commit to be flushed. The
 * appender queues when appends overlap, and, with a linger, a lone append too (see {@link Appender}).
 *
 * <p>Linger: a writer that takes the oldest queued append lets the batch fill until the linger has passed since that
 * append was queued, so that appends arriving within the linger of each other share one transaction and one WAL flush
 * instead of one each (at the seed's 1,000 events/s appends rarely overlap, yet arrive about a millisecond apart; each
 * transaction costs the server a WAL flush and a statement's fixed work, docs/benchmarks.md session 20). No append
 * waits longer than the linger for its batch to start: one that was queued that long (behind a busy writer) is run at
 * once; a batch that reaches its limits stops waiting. Durability is unchanged: each append is acknowledged after its
 * batch's commit.
 *
 * <p>A rejected append (wrong version, timestamp, lost creation race) is reported to its own appender and does not
 * fail the others. A statement that fails as a whole (an event id already stored, a deadlock, a lost connection)
 * hands every append of the batch back to its appender with {@code null}, and each then runs alone; that is safe even
 * if the batch did commit, because appends are idempotent by event id.
 *
 * <p>Thread-safe: the queue is a concurrent deque, and {@code drain} makes taking a batch atomic. {@link #close()} lets
 * the writers finish what is queued.
 */
public final class GroupCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);
    static final int MAX_EVENTS = 10_000;
    static final long MAX_CHARS = 16L << 20;
    /** Most appends per batch: each holds an advisory lock until commit, in a lock table of limited size. */
    static final int MAX_APPENDS = 256;

    /** A queued append; {@code queuedAt} is its {@link System#nanoTime()} when queued. */
    private record Pending(Request request, long chars, long queuedAt, CompletableFuture<@Nullable Outcome> result) {}

    /** Queued once per writer by {@link #close()}: behind everything queued before, it stops that writer. */
    private static final Pending STOP = new Pending(
            new Request("", dev.hindsight.core.ExpectedVersion.ANY, List.of()), 0, 0, new CompletableFuture<>());

    private final DataSource ds;
    private final AppendCall call;
    private final SingleAppend single;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final ReentrantLock drain = new ReentrantLock();
    /** Makes {@link #submit}'s closed check and its hand-off atomic with {@link #close()}'s. */
    private final ReentrantLock closeLock = new ReentrantLock();

    private final List<Thread> writers = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong appends = new AtomicLong();
    private boolean closed; // guarded by closeLock

    private final InlineHooks inline;
    private final long lingerNanos;

    /**
     * @param linger how long after the oldest queued append was queued its batch may wait for more (zero: not at all)
     */
    public GroupCommitter(
            DataSource ds,
            AppendCall call,
            SingleAppend single,
            int writerCount,
            String name,
            InlineHooks inline,
            java.time.Duration linger) {
        this.inline = inline;
        this.lingerNanos = linger.toNanos();
        this.ds = ds;
        this.call = call;
        this.single = single;
        for (int i = 0; i < writerCount; i++) {
            writers.add(Thread.ofPlatform()
                    .daemon()
                    .name("hindsight-group-commit-" + name + "-" + i)
                    .start(this::run));
        }
    }

    /** Whether a lone append should be queued too (it then waits up to the linger for company). */
    public boolean lingers() {
        return lingerNanos > 0;
    }

    /**
     * Queues an append and waits for its batch.
     *
     * @return the function's outcome, or {@code null} if the batch failed as a whole and the caller must run the append
     *     alone
     * @throws StoreClosedException if the committer is closed
     */
    public @Nullable Outcome submit(Request request) {
        long chars = 0;
        for (ProposedEvent e : request.events()) {
            chars += e.eventData().length() + e.metadata().length();
        }
        Pending p = new Pending(request, chars, System.nanoTime(), new CompletableFuture<>());
        // the check and the hand-off under one lock with close(): an append queued behind the writers' stops would
        // never be taken, and its appender would wait forever
        closeLock.lock();
        try {
            if (closed) {
                throw new StoreClosedException("the store is closed");
            }
            queue.addLast(p);
        } finally {
            closeLock.unlock();
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.result().get();
                } catch (InterruptedException e) {
                    // The append is queued and will run; its outcome must still be reported.
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A writer: keeps one connection of its own across batches, so that a batch, which completes many waiting appends
     * at once, never queues for a pooled connection behind the requests it would complete (under a burst the pool's
     * waiters are mostly aggregate loads of new requests). A connection whose batch failed as a whole is given back
     * and replaced.
     */
    private void run() {
        Connection c = null;
        try {
            while (true) {
                // Nothing interrupts a writer (close() queues stops); a flag left set by code that ran on this thread
                // (an inline hook) would make the next wait throw and end the writer, and with it every later append.
                Thread.interrupted();
                List<Pending> batch = next();
                if (batch.isEmpty()) {
                    return;
                }
                c = commit(batch, c);
            }
        } finally {
            close(c);
        }
    }

    private static void close(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("giving back a group-commit connection: {}", e.getMessage());
            }
        }
    }

    /**
     * Takes the next batch: the oldest queued append, then what is queued behind it up to the limits, skipping (and
     * putting back in front, in order) appends to an aggregate already in the batch. Queued appends come from
     * different threads and are concurrent, so any order among them is a valid one. Empty when the committer stops.
     */
    private List<Pending> next() {
        drain.lock();
        try {
            Pending first = queue.takeFirst();
            if (first == STOP) {
                return List.of();
            }
            if (lingerNanos > 0) {
                linger(first);
            }
            List<Pending> batch = new ArrayList<>();
            List<Pending> deferred = new ArrayList<>();
            Set<String> aggregates = new HashSet<>();
            batch.add(first);
            aggregates.add(first.request().aggregateId());
            int events = first.request().events().size();
            long chars = first.chars();
            for (Pending p = queue.pollFirst(); p != null; p = queue.pollFirst()) {
                if (p == STOP
                        || batch.size() >= MAX_APPENDS
                        || events + p.request().events().size() > MAX_EVENTS
                        || chars + p.chars() > MAX_CHARS) {
                    queue.addFirst(p);
                    break;
                }
                if (!aggregates.add(p.request().aggregateId())) {
                    deferred.add(p);
                    continue;
                }
                batch.add(p);
                events += p.request().events().size();
                chars += p.chars();
            }
            for (int i = deferred.size() - 1; i >= 0; i--) {
                queue.addFirst(deferred.get(i));
            }
            return batch;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } finally {
            drain.unlock();
        }
    }

    /**
     * Waits until the linger has passed since {@code first} was queued, so that appends arriving meanwhile join its
     * batch; ends early when a stop is queued or the batch would be full. Only the holder of the drain lock takes from
     * the queue, so the appends polled here go back in front, in order, for the batch to be taken from.
     */
    private void linger(Pending first) {
        long deadline = first.queuedAt() + lingerNanos;
        List<Pending> held = new ArrayList<>();
        int events = first.request().events().size();
        long chars = first.chars();
        try {
            for (long wait = deadline - System.nanoTime(); wait > 0; wait = deadline - System.nanoTime()) {
                Pending p = queue.pollFirst(wait, TimeUnit.NANOSECONDS);
                if (p == null) {
                    break;
                }
                held.add(p);
                if (p == STOP) {
                    break;
                }
                events += p.request().events().size();
                chars += p.chars();
                if (held.size() + 1 >= MAX_APPENDS || events >= MAX_EVENTS || chars >= MAX_CHARS) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            // `first` is taken and must still run: run the batch now
            Thread.currentThread().interrupt();
        } finally {
            for (int i = held.size() - 1; i >= 0; i--) {
                queue.addFirst(held.get(i));
            }
        }
    }

    /** Batches run so far. */
    public long batches() {
        return batches.get();
    }

    /** Appends carried by those batches. */
    public long appends() {
        return appends.get();
    }

    /** Runs one batch on {@code c} (a new one if null); returns the connection to keep, null after a failure. */
    private @Nullable Connection commit(List<Pending> batch, @Nullable Connection kept) {
        batches.incrementAndGet();
        appends.addAndGet(batch.size());
        List<Request> requests = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            requests.add(p.request());
        }
        List<Outcome> outcomes;
        Connection c = kept;
        try {
            if (c == null) {
                c = ds.getConnection();
            }
            Connection conn = c;
            if (requests.size() == 1) {
                // Alone in its batch: the single-append statement is leaner than the set-based one.
                Request r = requests.getFirst();
                outcomes = inline.group(
                        conn, requests, () -> List.of(single.execute(conn, r.aggregateId(), r.expected(), r.events())));
            } else {
                outcomes = inline.group(conn, requests, () -> call.execute(conn, requests));
            }
        } catch (SQLException e) {
            close(c);
            LOG.debug(
                    "group of {} appends failed as a whole ({}); running them one by one",
                    batch.size(),
                    e.getMessage());
            for (Pending p : batch) {
                p.result().complete(null);
            }
            return null;
        } catch (RuntimeException | Error e) {
            // an Error too (an inline hook's assertion, say): ending the writer would leave these appenders, and every
            // later one, waiting forever
            close(c);
            for (Pending p : batch) {
                p.result().completeExceptionally(e);
            }
            return null;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(outcomes.get(i));
        }
        return c;
    }

    /** Stops taking appends, lets the writers finish the queued ones, and waits for them. Idempotent. */
    @Override
    public void close() {
        closeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < writers.size(); i++) {
                queue.addLast(STOP);
            }
        } finally {
            closeLock.unlock();
        }
        for (Thread t : writers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
