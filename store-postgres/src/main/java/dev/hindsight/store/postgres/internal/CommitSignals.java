package dev.hindsight.store.postgres.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What this process knows about commits, for waiting subscribers: the highest position known to be committed (by a
 * local append or a notification) and a generation counter that moves whenever something may have become visible
 * (a commit, a notification, a reconnected listener, closing).
 *
 * <p>Every append reports its commit here, so the common case (nobody waiting) touches only atomics: a lock shared by
 * all appenders made them queue for it (futex calls and context switches per append). Waiters register in
 * {@code waiters} before they check the generation under {@code lock}; a signaller moves the generation first and
 * then looks at {@code waiters}, so it either sees the waiter (and signals it under the lock) or the waiter sees the
 * new generation: no wake-up is lost. Thread-safe.
 */
public final class CommitSignals {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicLong knownCommitted = new AtomicLong();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger waiters = new AtomicInteger();

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
        generation.incrementAndGet();
        if (waiters.get() > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The current generation; pass it to {@link #awaitChange}. */
    public long generation() {
        return generation.get();
    }

    /**
     * Waits until the generation moves past {@code seen} or {@code nanos} pass.
     *
     * @return whether it moved
     */
    public boolean awaitChange(long seen, long nanos) throws InterruptedException {
        waiters.incrementAndGet();
        lock.lock();
        try {
            long left = nanos;
            while (generation.get() == seen) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
            waiters.decrementAndGet();
        }
    }
}
