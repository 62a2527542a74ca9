package dev.hindsight.relay;

import dev.hindsight.core.Position;
import dev.hindsight.core.spi.CheckpointStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the relay's checkpoint on its own thread, the newest position asked for at most once per interval, so the
 * publishing thread never waits for the checkpoint store's durable write (two fsyncs on the file engine, up to ~100
 * ms on a busy disk: they made the relay's publish lag p99 there). Only acknowledged positions are ever asked for, so
 * whatever is saved is safe; a save that lags (or fails and is retried) only means more is published again after a
 * crash (at least once). Thread-safe: {@link #request} from any thread.
 */
final class CheckpointSaver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointSaver.class);

    private final CheckpointStore store;
    private final String name;
    private final Duration every;
    private final AtomicReference<@Nullable Position> wanted = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile @Nullable Position saved;

    CheckpointSaver(CheckpointStore store, String name, Position alreadySaved, Duration every) {
        this.store = store;
        this.name = name;
        this.every = every;
        this.saved = alreadySaved;
        this.thread =
                Thread.ofPlatform().name("hindsight-relay-checkpoint").daemon().start(this::run);
    }

    /** Asks for {@code p} (acknowledged) to be saved; returns at once. */
    void request(Position p) {
        if (!p.equals(wanted.getAndSet(p))) {
            LockSupport.unpark(thread);
        }
    }

    /** The position saved last (or the one loaded at start). */
    @Nullable
    Position saved() {
        return saved;
    }

    private void run() {
        long nextAllowed = System.nanoTime();
        while (running) {
            long wait = nextAllowed - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // at most one durable write per interval; a request waits for it
            } else if (saveWanted()) {
                nextAllowed = System.nanoTime() + every.toNanos();
            } else {
                LockSupport.parkNanos(every.toNanos()); // until asked
            }
        }
    }

    /** Saves the wanted position if it is new; returns whether it wrote. */
    private boolean saveWanted() {
        Position p = wanted.get();
        if (p == null || p.equals(saved)) {
            return false;
        }
        try {
            store.save(name, p);
            saved = p;
        } catch (RuntimeException e) {
            LOG.warn("relay checkpoint not saved (retrying; a crash now publishes more again): {}", e.toString());
        }
        return true;
    }

    /** Stops the thread, then saves the newest wanted position on the caller's thread. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        saveWanted();
    }
}
