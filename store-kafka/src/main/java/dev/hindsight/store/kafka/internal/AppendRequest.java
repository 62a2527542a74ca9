package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One append waiting in a {@link PartitionWriter}'s or {@link NodeWriter}'s queue. Not thread-safe on its own: the writer's lock guards every
 * field; the appending thread reads the outcome only after it has held that lock once the request is done.
 */
final class AppendRequest {
    final int partition;
    final String aggregateId;
    final ExpectedVersion expected;
    final List<ProposedEvent> events;
    List<ProposedEvent> accepted = List.of();
    long firstVersion;
    private @Nullable AppendResult result;
    private @Nullable RuntimeException failure;

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
    }

    void fail(RuntimeException e) {
        failure = e;
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
