package dev.hindsight.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FsyncPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small runs end to end: every metric reported, and the store and read model consistent with what was done. */
class LoadGeneratorTest {
    private static final List<String> LATENCY_FIELDS = List.of("count", "p50", "p95", "p99", "p999", "max", "mean");

    @Test
    void embedded_fillThenMeasure_reportsEveryMetric_storeConsistent(@TempDir Path dir) throws Exception {
        LoadGenOptions o = LoadGenOptions.builder()
                .dataDir(dir)
                .fsync(FsyncPolicy.NEVER)
                .days(1)
                .ordersPerDay(200)
                .users(50)
                .duration(Duration.ofSeconds(2))
                .warmup(Duration.ofSeconds(1))
                .rate(300)
                .readRate(90)
                .concurrency(32)
                .start(Instant.parse("2026-01-01T00:00:00Z"))
                .build();

        Report report = LoadGenerator.run(o, null);

        assertThat(report.problems()).isEmpty();
        JsonNode r = Json.mapper().readTree(report.toJson());
        assertThat(r.get("ok").asBoolean()).isTrue();
        JsonNode fill = r.get("phases").get(0);
        JsonNode measure = r.get("phases").get(1);
        assertThat(fill.get("name").asText()).isEqualTo("fill");
        assertThat(fill.get("orders_created").asLong()).isEqualTo(200);
        assertThat(fill.get("events").asLong()).isBetween(1_600L, 2_400L);
        assertThat(fill.get("events_per_second").asDouble()).isPositive();
        assertThat(fill.get("commands_per_second").asDouble()).isPositive();
        assertThat(fill.get("read_model_caught_up_seconds").asDouble()).isPositive();
        assertThat(fill.get("cpu_microseconds_per_event").asDouble()).isPositive();
        assertThat(fill.get("simulated_from").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(measure.get("name").asText()).isEqualTo("measure");
        assertThat(measure.get("events").asLong()).isBetween(300L, 700L);
        for (JsonNode phase : List.of(fill, measure)) {
            for (String m : List.of(
                    "command_latency_ms", "command_service_time_ms", "projection_lag_ms", "projection_status_lag_ms")) {
                assertThat(phase.get(m).fieldNames()).toIterable().containsAll(LATENCY_FIELDS);
            }
            assertThat(phase.get("command_latency_ms").get("count").asLong())
                    .isEqualTo(phase.get("events").asLong());
            assertThat(phase.get("projection_lag_ms").get("count").asLong()).isPositive();
            assertThat(phase.get("commands_by_verb").get("create").asLong()).isPositive();
            assertThat(phase.get("group_commit").get("batches").asLong()).isPositive();
        }
        for (String m : List.of("order_load_ms", "query_by_user_ms", "query_by_status_ms")) {
            assertThat(r.get("reads").get(m).get("count").asLong()).as(m).isPositive();
            assertThat(r.get("reads").get(m).get("p99").asDouble()).as(m).isPositive();
        }
        JsonNode store = r.get("store");
        assertThat(r.get("warmup").get("events").asLong()).isPositive();
        long events = fill.get("events").asLong()
                + measure.get("events").asLong()
                + r.get("warmup").get("events").asLong();
        assertThat(store.get("events").asLong()).isEqualTo(events);
        assertThat(store.get("bytes_on_disk").get("log").asLong()).isPositive();
        assertThat(store.get("bytes_on_disk").get("read_model").asLong()).isPositive();
        assertThat(store.get("bytes_per_event").get("total").asDouble()).isPositive();
        JsonNode c = r.get("consistency");
        long orders = fill.get("orders_created").asLong()
                + measure.get("orders_created").asLong()
                + r.get("warmup").get("orders_created").asLong();
        assertThat(c.get("orders_created").asLong()).isEqualTo(orders);
        assertThat(c.get("read_model_rows_after").asLong()
                        - c.get("read_model_rows_before").asLong())
                .isEqualTo(orders);
        assertThat(c.get("orders_checked").asLong()).isEqualTo(orders);
        assertThat(c.get("load_version_mismatches").asLong()).isZero();
        assertThat(c.get("read_model_version_mismatches").asLong()).isZero();
        assertThat(report.table()).contains("order load GET /api/orders/{id}", "bytes/event", "consistency");

        // The store is the embedded default's layout: a second run continues it, after its last event.
        Report again = LoadGenerator.run(
                LoadGenOptions.builder()
                        .dataDir(dir)
                        .fsync(FsyncPolicy.NEVER)
                        .duration(Duration.ofSeconds(1))
                        .warmup(Duration.ZERO)
                        .rate(100)
                        .readRate(30)
                        .build(),
                null);
        JsonNode second = Json.mapper().readTree(again.toJson());
        assertThat(again.problems()).isEmpty();
        assertThat(second.get("consistency").get("read_model_rows_before").asLong())
                .isEqualTo(orders);
        assertThat(Instant.parse(
                        second.get("phases").get(0).get("simulated_from").asText()))
                .isAfter(Instant.parse(fill.get("simulated_to").asText()).minusSeconds(1));
    }

    @Test
    void http_againstARunningServer_reportsAndStaysConsistent(@TempDir Path dir) throws Exception {
        EventStore store = EventStore.of(new InMemoryEventLog());
        HindsightServer server = HindsightServer.builder(store)
                .host("127.0.0.1")
                .port(0)
                .plugin(OrderSystem.builder(store)
                        .snapshots(new InMemorySnapshotStore(SnapshotRetention.DEFAULT))
                        .readModel(ReadModelDatabase.sqlite(dir.resolve("readmodel.db")))
                        .build()
                        .start()
                        .plugin())
                .build()
                .start();
        try {
            LoadGenOptions o = LoadGenOptions.builder()
                    .url(URI.create("http://127.0.0.1:" + server.port()))
                    .days(1)
                    .ordersPerDay(40)
                    .duration(Duration.ofSeconds(2))
                    .warmup(Duration.ZERO)
                    .rate(150)
                    .readRate(60)
                    .concurrency(16)
                    .build();

            Report report = LoadGenerator.run(o, null);

            assertThat(report.problems()).isEmpty();
            JsonNode r = Json.mapper().readTree(report.toJson());
            assertThat(r.get("target").asText()).startsWith("server http://127.0.0.1:");
            JsonNode c = r.get("consistency");
            assertThat(c.get("orders_checked").asLong())
                    .isEqualTo(c.get("orders_created").asLong())
                    .isPositive();
            assertThat(c.get("load_version_mismatches").asLong()).isZero();
            assertThat(r.get("reads").get("order_load_ms").get("count").asLong())
                    .isPositive();
            assertThat(r.get("phases")
                            .get(0)
                            .get("projection_lag_ms")
                            .get("count")
                            .asLong())
                    .isPositive();
            assertThat(r.get("store").get("bytes_on_disk").isNull()).isTrue();
            assertThat(r.get("phases").get(0).get("group_commit").isNull()).isTrue();
            assertThat(r.get("store").get("events").asLong())
                    .isEqualTo(
                            store.head().toString().isEmpty()
                                    ? 0
                                    : Long.parseLong(store.head().toString()));
        } finally {
            server.stop();
        }
    }
}
