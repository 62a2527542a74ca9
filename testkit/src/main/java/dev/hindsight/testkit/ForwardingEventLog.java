package dev.hindsight.testkit;

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
import java.util.Optional;

/**
 * An {@link EventLog} that passes every abstract method to another one: tests extend it and override only what they
 * watch or change (a counted read, a gated append, a server in front). The interface's default methods are not
 * overridden, so they run over the forwarded ones. Thread-safe if the delegate is.
 */
public abstract class ForwardingEventLog implements EventLog {
    /** The log every call goes to. */
    protected final EventLog delegate;

    protected ForwardingEventLog(EventLog delegate) {
        this.delegate = delegate;
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return delegate.append(aggregateId, expected, events);
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        return delegate.readAggregate(aggregateId, fromVersion, limit, direction);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        return delegate.aggregateVersion(aggregateId);
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        return delegate.readAll(after, limit, filter);
    }

    @Override
    public Position head() {
        return delegate.head();
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        return delegate.awaitAfter(after, timeout);
    }

    @Override
    public Optional<String> stoppedReason() {
        return delegate.stoppedReason();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
