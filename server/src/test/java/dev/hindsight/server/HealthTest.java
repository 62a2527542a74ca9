package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /health} answers 503 once the engine says it stopped serving appends for good (the file engine's
 * fail-stop), so that a supervisor restarts the process; 200 before.
 */
class HealthTest {
    @Test
    void health_isOkWhileTheEngineServes_and503OnceItStopped() {
        AtomicReference<String> stopped = new AtomicReference<>();
        ForwardingLog log = new ForwardingLog() {
            @Override
            public Optional<String> stoppedReason() {
                return Optional.ofNullable(stopped.get());
            }
        };
        try (TestServer t = new TestServer(log)) {
            t.post("/api/aggregates/a/events", "{\"event_type\":\"A\",\"event_data\":{}}");

            TestServer.Response ok = t.get("/health");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.json().get("status").asText()).isEqualTo("ok");
            assertThat(ok.json().get("head").asText()).isEqualTo("1");

            stopped.set("the store stopped writing after a failure while publishing a durable write; reopen it");
            TestServer.Response down = t.get("/health");

            assertThat(down.status()).isEqualTo(503);
            assertThat(down.contentType()).startsWith("application/json");
            assertThat(down.json().get("status").asText()).isEqualTo("unavailable");
            assertThat(down.error()).isEqualTo("store_unavailable");
            assertThat(down.json().get("message").asText()).contains("reopen it");
            assertThat(down.json().get("head").asText()).isEqualTo("1");
        }
    }
}
