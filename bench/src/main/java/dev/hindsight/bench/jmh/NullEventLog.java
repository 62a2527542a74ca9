package dev.hindsight.bench.jmh;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Duration;
import java.util.List;

/**
 * An engine that stores nothing and acknowledges at once, so that a benchmark through {@code EventStore} measures
 * only what the store does before the engine (validation, JSON canonicalization, ids). Thread-safe.
 */
final class NullEventLog implements EventLog {
    private static final AppendResult RESULT = new AppendResult("x", 1, 1, Position.of(1));

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return RESULT;
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        return List.of();
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        return 0;
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        return new GlobalSlice(List.of(), after);
    }

    @Override
    public Position head() {
        return Position.START;
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) {
        return false;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
