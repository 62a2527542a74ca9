package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.memory.InMemoryEventLog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private final TestServer t = new TestServer(new InMemoryEventLog());

    @AfterEach
    void stop() {
        t.close();
    }

    @Test
    void metrics_countAppendsEventsErrorsAndRequests() {
        t.post("/api/aggregates/a/events", "{\"event_type\":\"E\",\"event_data\":{}}");
        t.post(
                "/api/aggregates/a/events",
                "[{\"event_type\":\"E\",\"event_data\":{}}," + "{\"event_type\":\"E\",\"event_data\":{}}]");
        t.post("/api/aggregates/a/events", "{\"event_type\":\"E\",\"event_data\":{}}", "no_stream");
        t.post("/api/aggregates/a/events", "nope");
        t.get("/api/aggregates/a/events");
        t.get("/nowhere");

        var r = t.get("/metrics");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body())
                .contains("hindsight_appends_total 2.0")
                .contains("hindsight_appended_events_total 3.0")
                .contains("hindsight_append_errors_total{code=\"wrong_expected_version\"} 1.0")
                .contains("hindsight_append_errors_total{code=\"invalid_request\"} 1.0")
                .contains("hindsight_http_requests_total{method=\"POST\","
                        + "route=\"/api/aggregates/{aggregate_id}/events\",status=\"201\"} 2.0")
                .contains("hindsight_http_requests_total{method=\"GET\","
                        + "route=\"/api/aggregates/{aggregate_id}/events\",status=\"200\"} 1.0")
                .contains("hindsight_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1.0")
                .contains("hindsight_live_clients");
    }

    @Test
    void fileEngineMetrics_recordFsyncLatencyAndBatchSizes() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FileEngineMetrics metrics = new FileEngineMetrics(registry);

        metrics.committed(3, 12, 4096, 2_000_000);
        metrics.committed(1, 1, 100, 0);

        String text = registry.scrape();
        assertThat(text)
                .contains("hindsight_fsync_seconds_count 1")
                .contains("hindsight_fsync_seconds_bucket")
                .contains("hindsight_commit_batch_events_count 2")
                .contains("hindsight_commit_batch_events_sum 13.0")
                .contains("hindsight_commit_batch_appends_count 2")
                .contains("hindsight_commit_bytes_total 4196.0");
    }
}
