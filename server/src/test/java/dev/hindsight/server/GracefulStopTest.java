package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class GracefulStopTest {

    /** Delegates to an in-memory log, but holds appends to aggregate "slow" until released. */
    static final class GatedLog extends ForwardingLog {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            if (aggregateId.equals("slow")) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.append(aggregateId, expected, events);
        }

        @Override
        public void close() {
            closed.set(true);
            inner.close();
        }
    }

    @Test
    void stop_inFlightAppend_finishesThenStoreCloses() throws Exception {
        GatedLog log = new GatedLog();
        TestServer t = new TestServer(log);
        int port = t.server.port();
        CompletableFuture<TestServer.Response> inFlight = CompletableFuture.supplyAsync(
                () -> t.post("/api/aggregates/slow/events", "{\"event_type\":\"E\",\"event_data\":{}}"));
        assertThat(log.entered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(t.server::stop);

        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                        .isInstanceOf(ConnectException.class));
        Thread.sleep(1_000); // longer than the connectors' shutdown idle timeout: a busy connection is not idle
        assertThat(stopping).isNotDone();
        assertThat(log.closed).isFalse();

        log.release.countDown();

        TestServer.Response r = inFlight.get(5, TimeUnit.SECONDS);
        stopping.get(5, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(201);
        assertThat(log.closed).isTrue();
        assertThat(log.inner.aggregateVersion("slow")).isEqualTo(1);
        t.http.close();
    }

    @Test
    void stop_twice_isIdempotentAndClosesStore() {
        TestServer t = new TestServer(new InMemoryEventLog());

        t.server.stop();
        t.server.stop();

        assertThatThrownBy(() -> t.store.append("a", ExpectedVersion.ANY, dev.hindsight.core.EventData.of("E", "{}")))
                .isInstanceOf(StoreClosedException.class);
        t.http.close();
    }
}
