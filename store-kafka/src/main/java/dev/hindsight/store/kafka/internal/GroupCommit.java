package dev.hindsight.store.kafka.internal;

import java.util.Queue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Leader/follower group commit for the Kafka writers. An appender queues its request; whoever gets the writer's lock
 * leads: it runs batches (each takes everything queued so far) until its own request is done, then hands leadership to
 * the oldest queued request's thread. The others wait on their request, not on the lock, so a thread whose request
 * was written does not need the lock again to learn it, and a newly arriving appender cannot barge in and write a
 * batch of one while dozens wait (which made batches of 1–2 requests out of 64 appenders).
 */
final class GroupCommit {
    private GroupCommit() {}

    /**
     * Unlocks {@code lock} and wakes the oldest queued request's thread to lead the next batch (or to find the lock
     * taken and wait again). Every holder of a writer's lock must let it go this way, or a request queued while the
     * lock was held could wait forever.
     */
    static void release(ReentrantLock lock, Queue<AppendRequest> pending) {
        lock.unlock();
        AppendRequest next = pending.peek();
        if (next != null) {
            next.wakeUp();
        }
    }

    /** Queues {@code request} and returns once it is done, leading batches ({@code runBatch}) when it can. */
    static void submit(ReentrantLock lock, Queue<AppendRequest> pending, AppendRequest request, Runnable runBatch) {
        pending.add(request);
        while (!request.done()) {
            if (lock.tryLock()) {
                try {
                    while (!request.done()) {
                        runBatch.run();
                    }
                } finally {
                    release(lock, pending);
                }
                return;
            }
            request.awaitWake();
        }
    }

    /**
     * Pipelined group commit: the leader runs {@code send} (check and send one batch; it returns the batch's commit
     * step, or null if nothing was sent) under the lock, hands leadership on, and then runs the commit step without the
     * lock, so the next leader checks and sends the next batch while this one commits. Returns once {@code request} is
     * done.
     */
    static void submitPipelined(
            ReentrantLock lock,
            Queue<AppendRequest> pending,
            AppendRequest request,
            Supplier<@Nullable Runnable> send) {
        pending.add(request);
        while (!request.done()) {
            if (lock.tryLock()) {
                Runnable commit;
                try {
                    commit = send.get();
                } finally {
                    release(lock, pending);
                }
                if (commit != null) {
                    commit.run();
                } else if (!request.done()) {
                    request.awaitWake(); // taken into a batch another thread commits, or deferred behind one
                }
                continue;
            }
            request.awaitWake();
        }
    }
}
