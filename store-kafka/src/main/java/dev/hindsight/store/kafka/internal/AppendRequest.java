package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * One append waiting in a {@link PartitionWriter}'s or {@link NodeWriter}'s queue. The batch leader (holding the
 * writer's lock) sets the accepted events and the outcome; the outcome fields are volatile because the appending
 * thread reads them after being woken, without the lock.
 */
final class AppendRequest {
    final int partition;
    final String aggregateId;
    final ExpectedVersion expected;
    final List<ProposedEvent> events;
    List<ProposedEvent> accepted = List.of();
    long firstVersion;
    private volatile @Nullable AppendResult result;
    private volatile @Nullable RuntimeException failure;
    /** Released when the request is done or its thread is asked to lead the next batch ({@link GroupCommit}). */
    private final Semaphore wake = new Semaphore(0);

    AppendRequest(int partition, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        this.partition = partition;
        this.aggregateId = aggregateId;
        this.expected = expected;
        this.events = events;
    }

    boolean done() {
        return result != null || failure != null;
    }

    void accept(List<ProposedEvent> events, long firstVersion) {
        this.accepted = events;
        this.firstVersion = firstVersion;
    }

    void complete(AppendResult r) {
        result = r;
        wake.release();
    }

    void fail(RuntimeException e) {
        failure = e;
        wake.release();
    }

    /** Asks the waiting thread to try to lead the next batch. */
    void wakeUp() {
        wake.release();
    }

    /** Waits until the request is done or its thread is asked to lead. */
    void awaitWake() {
        wake.acquireUninterruptibly();
    }

    /** The result, or the failure rethrown (its stack trace is the batch leader's). */
    AppendResult outcome() {
        if (failure != null) {
            throw failure;
        }
        if (result == null) {
            throw new IllegalStateException("append not done");
        }
        return result;
    }
}
