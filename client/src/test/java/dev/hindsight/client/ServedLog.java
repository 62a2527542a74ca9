package dev.hindsight.client;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.server.HindsightServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A real server ({@code serve}'s {@link HindsightServer}) over an engine, started in-process on a free loopback port,
 * and a {@link RemoteEventLog} to it; closing it closes the client, then stops the server and its store.
 */
final class ServedLog implements EventLog {
    final HindsightServer server;
    final RemoteEventLog client;

    ServedLog(EventLog engine) {
        this.server = HindsightServer.builder(EventStore.of(engine))
                .host("127.0.0.1")
                .port(0)
                .keepAlive(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofMillis(200))
                .closeStoreOnStop(true)
                .build()
                .start();
        this.client = RemoteEventLog.connect(URI.create("http://127.0.0.1:" + server.port()));
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        return client.append(aggregateId, expected, events);
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        return client.readAggregate(aggregateId, fromVersion, limit, direction);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        return client.aggregateVersion(aggregateId);
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        return client.readAll(after, limit, filter);
    }

    @Override
    public Position head() {
        return client.head();
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        return client.awaitAfter(after, timeout);
    }

    @Override
    public void close() {
        client.close();
        server.stop();
    }
}
