package dev.hindsight.store.postgres.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What this process knows about commits, for waiting subscribers: the highest position known to be committed (by a
 * local append or a notification) and a generation counter that moves whenever something may have become visible
 * (a commit, a notification, a reconnected listener, closing). Thread-safe: {@code generation} is guarded by
 * {@code lock}.
 */
public final class CommitSignals {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicLong knownCommitted = new AtomicLong();
    private long generation;

    /** The highest position known to be committed; it may not be visible yet (an older transaction still runs). */
    public long knownCommitted() {
        return knownCommitted.get();
    }

    /** Records a commit up to {@code position} and wakes the waiters. */
    public void committed(long position) {
        knownCommitted.accumulateAndGet(position, Math::max);
        wake();
    }

    /** Wakes the waiters to look again (something may have become visible, or the store closes). */
    public void wake() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The current generation; pass it to {@link #awaitChange}. */
    public long generation() {
        lock.lock();
        try {
            return generation;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the generation moves past {@code seen} or {@code nanos} pass.
     *
     * @return whether it moved
     */
    public boolean awaitChange(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (generation == seen) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
