package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
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
    void storeType_isTheFileEngine() {
        try (TestServer t = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            EventStore store = t.server.store();
            assertThat(store.log()).isInstanceOf(FileEventLog.class);
        }
    }
}
