package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LiveFeedTest {
    private final TestServer t = new TestServer(new InMemoryEventLog());

    @AfterEach
    void stop() {
        t.close();
    }

    private void append(String aggregate, String type) {
        assertThat(t.post(
                                "/api/aggregates/" + aggregate + "/events",
                                "{\"event_type\":\"" + type + "\",\"event_data\":{\"n\":1}}")
                        .status())
                .isEqualTo(201);
    }

    private SseReader open(String query, String lastEventId) throws Exception {
        return new SseReader(t.http, t.uri("/api/events/live" + query), lastEventId);
    }

    @Test
    void live_afterStart_catchesUpThenFollows() throws Exception {
        append("a", "First");
        append("b", "Second");
        try (SseReader sse = open("?after=0", null)) {
            assertThat(sse.status).isEqualTo(200);
            assertThat(sse.contentType).startsWith("text/event-stream");
            SseReader.Frame f1 = sse.next();
            SseReader.Frame f2 = sse.next();
            append("c", "Third");
            SseReader.Frame f3 = sse.next();

            assertThat(f1.id()).isEqualTo("1");
            assertThat(f1.event()).isEqualTo("event");
            JsonNode e1 = Json.mapper().readTree(f1.data());
            assertThat(e1.get("event_type").asText()).isEqualTo("First");
            assertThat(e1.get("aggregate_id").asText()).isEqualTo("a");
            assertThat(e1.get("position").asText()).isEqualTo("1");
            assertThat(e1.get("event_data").get("n").asInt()).isEqualTo(1);
            assertThat(f2.id()).isEqualTo("2");
            assertThat(f3.id()).isEqualTo("3");
            assertThat(Json.mapper().readTree(f3.data()).get("event_type").asText())
                    .isEqualTo("Third");
        }
    }

    @Test
    void live_lastEventId_resumesAfterItAndWinsOverAfter() throws Exception {
        for (int i = 0; i < 4; i++) {
            append("a", "E" + i);
        }
        try (SseReader sse = open("?after=0", "2")) {
            assertThat(sse.next().id()).isEqualTo("3");
            assertThat(sse.next().id()).isEqualTo("4");
            append("a", "E4");
            assertThat(sse.next().id()).isEqualTo("5");
        }
    }

    @Test
    void live_reconnectWithLastSeenId_missesNothing() throws Exception {
        append("a", "E");
        String last;
        try (SseReader sse = open("?after=0", null)) {
            last = sse.next().id();
        }
        append("a", "E");
        append("a", "E");
        try (SseReader sse = open("", last)) {
            assertThat(sse.next().id()).isEqualTo("2");
            assertThat(sse.next().id()).isEqualTo("3");
        }
    }

    @Test
    void live_withoutCursor_startsAtHead() throws Exception {
        append("a", "Old");
        try (SseReader sse = open("", null)) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> !sse.comments.isEmpty());
            append("a", "New");
            SseReader.Frame f = sse.next();

            assertThat(f.id()).isEqualTo("2");
            assertThat(sse.frames).isEmpty();
        }
    }

    @Test
    void live_filters_onlyMatchingEvents() throws Exception {
        append("order-1", "OrderPlaced");
        append("user-1", "UserCreated");
        append("order-2", "OrderShipped");
        try (SseReader sse = open("?after=0&aggregate_prefix=order-&event_type=OrderShipped", null)) {
            assertThat(sse.next().id()).isEqualTo("3");
        }
    }

    @Test
    void live_idle_sendsKeepAliveComments() throws Exception {
        try (SseReader sse = open("", null)) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> sse.comments.contains("keep-alive"));
        }
    }

    @Test
    void live_clientDisconnects_subscriptionClosed() throws Exception {
        SseReader sse = open("?after=0", null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> liveClients() == 1);

        sse.close();

        await().atMost(5, TimeUnit.SECONDS).until(() -> liveClients() == 0);
    }

    @Test
    void stop_endsOpenStreamsPromptly() throws Exception {
        try (SseReader sse = open("?after=0", null)) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> liveClients() == 1);
            long start = System.nanoTime();

            t.server.stop();

            assertThat(sse.awaitEnd(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    private double liveClients() {
        return t.server.registry().get("hindsight.live.clients").gauge().value();
    }
}
