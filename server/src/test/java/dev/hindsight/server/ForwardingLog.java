package dev.hindsight.server;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Duration;
import java.util.List;

/** An in-memory log behind a wrapper whose methods tests override (a gated or a redirecting append). */
abstract class ForwardingLog implements EventLog {
    final InMemoryEventLog inner = new InMemoryEventLog();

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return inner.append(aggregateId, expected, events);
    }

    @Override
    public List<RecordedEvent> readAggregate(String id, long from, int limit, ReadDirection direction) {
        return inner.readAggregate(id, from, limit, direction);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        return inner.aggregateVersion(aggregateId);
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        return inner.readAll(after, limit, filter);
    }

    @Override
    public Position head() {
        return inner.head();
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        return inner.awaitAfter(after, timeout);
    }

    @Override
    public void close() {
        inner.close();
    }
}
