package dev.hindsight.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.Subscription;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the conformance suite does not cover: transport failures, a closed client, a live feed across a restart. */
class RemoteEventLogTest {
    @TempDir
    Path dir;

    @Test
    void connect_nonHttpUri_isRefused() {
        assertThatThrownBy(() -> RemoteEventLog.connect(URI.create("ftp://127.0.0.1:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http:// or https://");
    }

    @Test
    void anyCall_noServer_throwsStoreUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free again once closed: nothing listens there
        }
        try (EventStore store = EventStore.of(RemoteEventLog.connect(URI.create("http://127.0.0.1:" + port)))) {
            assertThatThrownBy(() -> store.append("a-1", ExpectedVersion.ANY, event(1)))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("cannot reach the Hindsight server at http://127.0.0.1:" + port);
            assertThatThrownBy(store::head).isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    void anyCall_afterClose_throwsStoreClosed() {
        try (ServedLog served = served()) {
            served.client.close();
            assertThatThrownBy(() -> served.client.head()).isInstanceOf(StoreClosedException.class);
        }
    }

    @Test
    void conflict_keepsAggregateExpectedAndActual() {
        try (ServedLog served = served()) {
            EventStore store = EventStore.of(served.client);
            store.append("a-1", ExpectedVersion.NO_STREAM, event(1));

            assertThatThrownBy(() -> store.append("a-1", ExpectedVersion.exact(5), event(2)))
                    .isInstanceOfSatisfying(WrongExpectedVersionException.class, e -> {
                        assertThat(e.aggregateId()).isEqualTo("a-1");
                        assertThat(e.expected()).isEqualTo(ExpectedVersion.exact(5));
                        assertThat(e.actual()).isEqualTo(1);
                    });
        }
    }

    @Test
    void subscription_serverRestarts_resumesWithoutLossOrDuplicates() throws Exception {
        EventStore engine = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))));
        HindsightServer first = server(engine, 0);
        int port = first.port();
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (EventStore remote = EventStore.of(RemoteEventLog.connect(URI.create("http://127.0.0.1:" + port)));
                Subscription sub = remote.subscribe(Position.START, EventFilter.ALL, e -> seen.add(e.version()))) {
            for (int i = 1; i <= 5; i++) {
                remote.append("a-1", ExpectedVersion.ANY, event(i));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 5);

            first.stop(); // the live feed and the subscription's reads now fail
            engine.append("a-1", ExpectedVersion.ANY, event(6)); // written while no server runs
            HindsightServer second = server(engine, port);
            try {
                for (int i = 7; i <= 10; i++) {
                    remote.append("a-1", ExpectedVersion.ANY, event(i));
                }
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= 10);
                assertThat(seen)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, 10).boxed().toList());
                assertThat(sub.isRunning()).isTrue();
            } finally {
                second.stop();
            }
        } finally {
            engine.close();
        }
    }

    private ServedLog served() {
        return new ServedLog(FileEventLog.open(FileLogOptions.defaults(dir.resolve("served"))));
    }

    private static HindsightServer server(EventStore store, int port) {
        return HindsightServer.builder(store)
                .host("127.0.0.1")
                .port(port)
                .keepAlive(Duration.ofMillis(200))
                .shutdownTimeout(Duration.ofMillis(200))
                .closeStoreOnStop(false)
                .build()
                .start();
    }

    private static EventData event(int n) {
        return EventData.of("Counted", "{\"n\":" + n + "}");
    }
}
