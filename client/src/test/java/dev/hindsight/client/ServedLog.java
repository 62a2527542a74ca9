package dev.hindsight.client;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.testkit.ForwardingEventLog;
import java.net.URI;
import java.time.Duration;

/**
 * A real server ({@code serve}'s {@link HindsightServer}) over an engine, started in-process on a free loopback port,
 * and a {@link RemoteEventLog} to it; closing it closes the client, then stops the server and its store.
 */
final class ServedLog extends ForwardingEventLog {
    final HindsightServer server;
    final RemoteEventLog client;

    ServedLog(EventLog engine) {
        this(HindsightServer.builder(EventStore.of(engine))
                .host("127.0.0.1")
                .port(0)
                .keepAlive(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofMillis(200))
                .closeStoreOnStop(true)
                .build()
                .start());
    }

    private ServedLog(HindsightServer server) {
        this(server, RemoteEventLog.connect(URI.create("http://127.0.0.1:" + server.port())));
    }

    private ServedLog(HindsightServer server, RemoteEventLog client) {
        super(client);
        this.server = server;
        this.client = client;
    }

    @Override
    public void close() {
        client.close();
        server.stop();
    }
}
