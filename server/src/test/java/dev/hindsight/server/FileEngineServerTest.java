package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over the embedded file engine: appends survive a graceful stop, commit metrics are exported. */
class FileEngineServerTest {
    @TempDir
    Path dir;

    private TestServer serve(PrometheusMeterRegistry registry) {
        FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.ALWAYS));
        FileEngineMetrics.bind(log, registry);
        return new TestServer(log, b -> b.registry(registry));
    }

    @Test
    void appendStopReopen_eventsStillThere() {
        try (TestServer t = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            assertThat(t.post(
                                    "/api/aggregates/a/events",
                                    "[{\"event_type\":\"A\",\"event_data\":{\"n\":1}},"
                                            + "{\"event_type\":\"B\",\"event_data\":{}}]")
                            .status())
                    .isEqualTo(201);
        }
        try (TestServer t = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            var r = t.get("/api/aggregates/a/events");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("version").asLong()).isEqualTo(2);
            assertThat(r.json().get("events").get(0).get("event_data").get("n").asInt())
                    .isEqualTo(1);
        }
    }

    @Test
    void metrics_fsyncLatencyAndBatchSize() {
        try (TestServer t = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            t.post("/api/aggregates/a/events", "{\"event_type\":\"A\",\"event_data\":{}}");

            String metrics = t.get("/metrics").body();

            assertThat(metrics)
                    .containsPattern("hindsight_fsync_seconds_count [1-9]")
                    .containsPattern("hindsight_commit_batch_events_count [1-9]")
                    .contains("hindsight_fsync_seconds_bucket")
                    // the one event appended is in the active memtable (nothing was spilled yet)
                    .containsPattern("hindsight_index_memtable_events 1\\.0");
        }
    }

    @Test
    void concurrentAppends_answeredByTheAcknowledgement_eachVersionOnceAndCounted() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (TestServer t = serve(registry);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServer.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "c-" + (i % 8);
                answers.add(clients.submit(() -> t.post(
                        "/api/aggregates/" + id + "/events", "{\"event_type\":\"A\",\"event_data\":{}}", "any")));
            }
            Map<String, Set<Long>> versions = new HashMap<>();
            for (Future<TestServer.Response> f : answers) {
                TestServer.Response r = f.get();
                assertThat(r.status()).isEqualTo(201);
                versions.computeIfAbsent(r.json().get("aggregate_id").asText(), k -> new HashSet<>())
                        .add(r.json().get("last_version").asLong());
            }
            // the plain id goes the asynchronous way, its escaped spelling the blocking Javalin route: same answer
            TestServer.Response plain =
                    t.post("/api/aggregates/c-0/events", "{\"event_type\":\"A\",\"event_data\":{}}", "no_stream");
            TestServer.Response escaped =
                    t.post("/api/aggregates/c%2D0/events", "{\"event_type\":\"A\",\"event_data\":{}}", "no_stream");
            String metrics = t.get("/metrics").body();

            assertThat(versions).hasSize(8);
            versions.values().forEach(v -> assertThat(v).hasSize(25).allMatch(n -> n >= 1 && n <= 25));
            assertThat(plain.status()).isEqualTo(409);
            assertThat(plain.body())
                    .isEqualTo(escaped.body())
                    .isEqualTo("{\"error\":\"wrong_expected_version\",\"message\":\"aggregate 'c-0' is at version 25,"
                            + " expected no_stream\",\"expected\":\"no_stream\",\"actual\":25}");
            assertThat(metrics)
                    .contains("hindsight_appends_total 200.0")
                    .contains("hindsight_append_errors_total{code=\"wrong_expected_version\"} 2.0")
                    .contains(
                            "hindsight_http_requests_total{method=\"POST\",route=\"/api/aggregates/{aggregate_id}/events\","
                                    + "status=\"201\"} 200.0")
                    .contains(
                            "hindsight_http_requests_total{method=\"POST\",route=\"/api/aggregates/{aggregate_id}/events\","
                                    + "status=\"409\"} 2.0");
        }
    }

    @Test
    void storeType_isTheFileEngine() {
        try (TestServer t = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            EventStore store = t.server.store();
            assertThat(store.log()).isInstanceOf(FileEventLog.class);
        }
    }
}
