package dev.hindsight.store.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commit notifications between processes sharing a store, over {@code LISTEN/NOTIFY} on channel
 * {@code hindsight_<schema>}; the payload is the highest committed position.
 *
 * <p>A listener thread holds one dedicated connection in {@code LISTEN} and blocks in the driver until a notification
 * arrives (no polling); each one records the notified position in {@link CommitSignals}. When the connection breaks it
 * reconnects with backoff and then wakes the waiters, since notifications may have been missed meanwhile.
 *
 * <p>Sending: at most one notification per {@value #NOTIFY_INTERVAL_MS} ms. Not every append notifies on purpose: a
 * transaction that notifies takes a database-wide lock from its commit until it ends, which serializes all notifying
 * commits including their WAL flush (measured here: 9,000 → 1,600 single-insert commits/s at 32 clients). An append
 * that {@link #claim() claims} the interval sends the notification inside its own transaction; commits that no
 * notification covered are announced by a notifier thread once the interval has passed, in a transaction of its own.
 * Local waiters do not depend on any of it; they are woken directly.
 *
 * <p>Thread-safe: {@code wanted}, {@code sent} and {@code lastClaim} are atomic and {@code closed} volatile, so that
 * appends, which report every commit, never queue for a lock; {@code lock} only pairs the notifier's wait on
 * {@code work} with its signal.
 */
public final class Notifications implements AutoCloseable, NotifyClaims {

    private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);
    private static final int POLL_MS = 1_000;
    private static final long CHECK_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long MAX_BACKOFF_MS = 2_000;
    /** Least time between two notifications: a burst of commits costs one notification per interval. */
    private static final long NOTIFY_INTERVAL_MS = 5;

    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(NOTIFY_INTERVAL_MS);
    private static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final DataSource ds;
    private final String channel;
    private final CommitSignals signals;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Thread listener;
    private final Thread notifier;
    private final AtomicLong lastClaim = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    /** When the notifying transaction still running was claimed; 0 when none runs. */
    private final AtomicLong inFlightSince = new AtomicLong();

    private final AtomicLong wanted = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    /** Whether the notifier waits on {@code work} (set under {@code lock}); appenders signal only then. */
    private volatile boolean idle;

    private volatile boolean closed;
    private volatile boolean listening;
    private volatile @Nullable Connection physical;

    public Notifications(DataSource ds, String schema, CommitSignals signals) {
        this.ds = ds;
        this.channel = "hindsight_" + schema;
        this.signals = signals;
        this.listener =
                Thread.ofPlatform().daemon().name("hindsight-listen-" + schema).unstarted(this::listen);
        this.notifier =
                Thread.ofPlatform().daemon().name("hindsight-notify-" + schema).unstarted(this::notifyLoop);
    }

    public Notifications start() {
        listener.start();
        notifier.start();
        return this;
    }

    /** Whether the listener connection is currently up. */
    public boolean listening() {
        return listening;
    }

    /** The channel's name. */
    public String channel() {
        return channel;
    }

    /**
     * Whether the caller's transaction should send the notification: true at most once per interval, and only when no
     * other notifying transaction is still running. A notifying transaction holds a database-wide lock from its
     * commit until it ends, its WAL flush included; a second one would wait for it inside its own commit (measured:
     * appends waiting on lock {@code object} in {@code pg_stat_activity} under load), so they never overlap. A
     * caller that gets {@code true} says {@link #finished()} when its transaction has ended, and reports the positions
     * it announced with {@link #announced}. A claim not finished within a second (a lost caller) no longer blocks.
     */
    @Override
    public boolean claim() {
        long now = System.nanoTime();
        long last = lastClaim.get();
        if (now - last < INTERVAL_NANOS) {
            return false;
        }
        long since = inFlightSince.get();
        if (since != 0 && now - since < STUCK_NANOS) {
            return false;
        }
        if (!inFlightSince.compareAndSet(since, now)) {
            return false;
        }
        lastClaim.set(now);
        return true;
    }

    @Override
    public void finished() {
        inFlightSince.set(0);
    }

    /** Records that a committed transaction notified positions up to {@code position}. */
    public void announced(long position) {
        sent.accumulateAndGet(position, Math::max);
    }

    /** Asks for a notification that positions up to {@code position} are committed, unless one covers it already. */
    public void request(long position) {
        // Called for every append: atomics only, unless the notifier sleeps on the condition. It sets idle (under
        // the lock) before it looks at wanted, and this moves wanted before it looks at idle, so either it sees the
        // new wanted or this sees idle and signals it under the lock (which it holds until it waits).
        if (position > wanted.get() && position > wanted.getAndAccumulate(position, Math::max) && idle) {
            lock.lock();
            try {
                work.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean isClosed() {
        return closed;
    }

    private void listen() {
        long backoff = 50;
        while (!isClosed()) {
            Connection c = null;
            try {
                c = ds.getConnection();
                c.setAutoCommit(true);
                PGConnection pg = c.unwrap(PGConnection.class);
                physical = (Connection) pg;
                if (isClosed()) {
                    break;
                }
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                listening = true;
                backoff = 50;
                signals.wake();
                long lastTraffic = System.nanoTime();
                while (!isClosed()) {
                    PGNotification[] got = pg.getNotifications(POLL_MS);
                    if (got != null && got.length > 0) {
                        lastTraffic = System.nanoTime();
                        long max = 0;
                        for (PGNotification n : got) {
                            max = Math.max(max, parse(n.getParameter()));
                        }
                        signals.committed(max);
                    } else if (System.nanoTime() - lastTraffic > CHECK_IDLE_NANOS) {
                        // A half-open TCP connection delivers nothing and reports nothing: probe it now and then.
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                        }
                        lastTraffic = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (isClosed()) {
                    break;
                }
                LOG.warn(
                        "commit listener on {} lost its connection ({}); reconnecting in {} ms",
                        channel,
                        e.getMessage(),
                        backoff);
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            } finally {
                listening = false;
                physical = null;
                release(c);
            }
        }
    }

    /** Gives the listening connection back; a pool must not hand out a session that still listens, so it is evicted. */
    private void release(@Nullable Connection c) {
        if (c == null) {
            return;
        }
        try {
            if (ds instanceof com.zaxxer.hikari.HikariDataSource h) {
                h.evictConnection(c);
            } else {
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN *");
                }
                c.close();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("releasing the listener connection: {}", e.getMessage());
        }
    }

    private static long parse(String payload) {
        try {
            return Long.parseLong(payload.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void notifyLoop() {
        String sql = "SELECT pg_notify(?, ?)";
        while (true) {
            lock.lock();
            try {
                idle = true;
                while (wanted.get() <= sent.get() && !closed) {
                    work.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
            } finally {
                idle = false;
                lock.unlock();
            }
            // Give the appends of a burst the chance to notify in their own transactions.
            sleep(NOTIFY_INTERVAL_MS);
            long position = wanted.get();
            if (position <= sent.get() || closed) {
                continue;
            }
            if (!claim()) {
                continue;
            }
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, channel);
                ps.setString(2, Long.toString(position));
                ps.execute();
            } catch (SQLException | RuntimeException e) {
                // Other processes then see the commit at their next timed look; local waiters were woken directly.
                LOG.debug("cannot notify {}: {}", channel, e.getMessage());
            } finally {
                finished();
            }
            announced(position);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops both threads and releases the listener's connection. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        notifier.interrupt();
        Connection c = physical;
        if (c != null) {
            try {
                // Ends the listener's blocking read at once instead of at its next poll.
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException e) {
                LOG.debug("aborting the listener connection: {}", e.getMessage());
            }
        }
        try {
            notifier.join(2_000);
            listener.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
