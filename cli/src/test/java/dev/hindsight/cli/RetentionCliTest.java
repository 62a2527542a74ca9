package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention through the product surface (ADR 0017): {@code serve --retention / --retention-file}, {@code GET
 * /api/retention}, {@code POST /api/retention/run}, {@code retention status|run}, metrics, and bad input.
 */
class RetentionCliTest {
    @TempDir
    Path tmp;

    private static HindsightServer startServe(String... args) {
        return ServeRun.start(args);
    }

    /** {@code requests} bulk appends of 100 aggregates, each a CartCreated then a CartViewed then a CartClosed. */
    static void carts(String url, int requests) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (int r = 0; r < requests; r++) {
                StringBuilder b = new StringBuilder("{\"appends\":[");
                for (int i = 0; i < 100; i++) {
                    b.append(i == 0 ? "" : ",")
                            .append("{\"aggregate_id\":\"cart_")
                            .append(r)
                            .append('_')
                            .append(i)
                            .append("\",\"events\":[");
                    for (String type : new String[] {"CartCreated", "CartViewed", "CartClosed"}) {
                        b.append(type.equals("CartCreated") ? "" : ",")
                                .append("{\"event_type\":\"")
                                .append(type)
                                .append("\",\"event_data\":{\"note\":\"")
                                .append("window shopping ".repeat(6))
                                .append("\"}}");
                    }
                    b.append("]}");
                }
                CliRun.postAppends(http, url, b.append("]}").toString());
            }
        }
    }

    @Test
    void serveWithRules_deletesExpiredEvents_andReportsRunsInApiCliAndMetrics() throws Exception {
        Path rules = tmp.resolve("retention.rules");
        Files.writeString(rules, "# carts' views go after a while\ntype=CartViewed:delete-after=0s\n");
        HindsightServer server = startServe(
                "serve",
                "--port",
                "0",
                "--data-dir",
                tmp.resolve("data").toString(),
                "--segment-size",
                "64KiB",
                "--retention",
                "ord_:keep",
                "--retention-file",
                rules.toString(),
                "--retention-interval",
                "1h");
        try {
            String url = "http://127.0.0.1:" + server.port();
            JsonNode before = HttpGet.json(url + "/api/retention");
            assertThat(before.path("enabled").asBoolean()).isTrue();
            assertThat(before.path("rules").toString())
                    .isEqualTo("[\"ord_:keep\",\"type=CartViewed:delete-after=0s\"]");
            assertThat(before.path("last_run").isNull()).isTrue();
            carts(url, 10);

            // the views are deleted once their segment is sealed and the orders projection has passed them
            long deleted = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            CliRun run;
            do {
                run = CliRun.of("retention", "run", "--url", url);
                assertThat(run.exitCode()).as(run.err()).isZero();
                deleted += Json.mapper().readTree(run.out()).path("deleted").asLong();
            } while (deleted == 0 && System.nanoTime() < deadline && sleep());
            JsonNode last = Json.mapper().readTree(run.out());
            assertThat(deleted).as(run.out()).isPositive().isLessThanOrEqualTo(1000);
            assertThat(last.path("rules").get(0).path("rule").asText()).isEqualTo("type=CartViewed:delete-after=0s");
            assertThat(last.path("error").isNull()).isTrue();

            CliRun status = CliRun.of("retention", "status", "--url", url);
            assertThat(status.exitCode()).as(status.err()).isZero();
            JsonNode s = Json.mapper().readTree(status.out());
            assertThat(s.path("deleted_total")
                            .path("type=CartViewed:delete-after=0s")
                            .asLong())
                    .isEqualTo(deleted);
            assertThat(s.path("runs").asLong()).isPositive();
            assertThat(s.path("last_run").path("applied_up_to").asText()).isNotEmpty();

            JsonNode events = HttpGet.json(url + "/api/events?limit=1000");
            assertThat(events.toString()).contains("CartCreated");
            JsonNode cart = HttpGet.json(url + "/api/aggregates/cart_0_0/events");
            assertThat(cart.toString()).contains("CartClosed").contains("\"version\":3");

            String metrics = HttpGet.text(url + "/metrics");
            assertThat(metrics)
                    .contains("hindsight_retention_deleted_events_total{rule=\"type=CartViewed:delete-after=0s\"} "
                            + (double) deleted)
                    .contains("hindsight_retention_runs_total")
                    .contains("hindsight_retention_last_run_timestamp_seconds");
        } finally {
            server.stop();
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(300);
        return true;
    }

    @Test
    void serveWithoutRules_runAnswers409_andStatusSaysSo() throws Exception {
        HindsightServer server = startServe("serve", "--port", "0", "--store", "memory");
        try {
            String url = "http://127.0.0.1:" + server.port();
            JsonNode s = HttpGet.json(url + "/api/retention");
            assertThat(s.path("enabled").asBoolean()).isFalse();
            assertThat(s.path("engine_supports_retention").asBoolean()).isFalse();
            CliRun run = CliRun.of("retention", "run", "--url", url);
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("\"error\":\"retention_unsupported\"");
        } finally {
            server.stop();
        }
        server = startServe(
                "serve", "--port", "0", "--data-dir", tmp.resolve("d").toString());
        try {
            CliRun run = CliRun.of("retention", "run", "--url", "http://127.0.0.1:" + server.port());
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("\"error\":\"no_retention_rules\"");
        } finally {
            server.stop();
        }
    }

    @Test
    void badRetentionInput_clearErrorsAndExit2() throws Exception {
        String data = tmp.resolve("data").toString();
        CliRun bad = CliRun.of("serve", "--port", "0", "--data-dir", data, "--retention", "ord_:forever");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("bad retention rule 'ord_:forever'").contains("keep, archive-after");

        CliRun age = CliRun.of("serve", "--port", "0", "--data-dir", data, "--retention", "ord_:delete-after=3w");
        assertThat(age.exitCode()).isEqualTo(2);
        assertThat(age.err()).contains("90d");

        Path file = tmp.resolve("rules");
        Files.writeString(file, "ord_:keep\n\ntype=:delete-after=1d\n");
        CliRun line = CliRun.of("serve", "--port", "0", "--data-dir", data, "--retention-file", file.toString());
        assertThat(line.exitCode()).isEqualTo(2);
        assertThat(line.err()).contains("line 3");

        CliRun missing = CliRun.of(
                "serve",
                "--port",
                "0",
                "--data-dir",
                data,
                "--retention-file",
                tmp.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read");

        CliRun kafka = CliRun.of(
                "serve", "--store", "kafka", "--kafka-bootstrap", "127.0.0.1:1", "--retention", "x:delete-after=1d");
        assertThat(kafka.exitCode()).isEqualTo(2);
        assertThat(kafka.err()).contains("topic retention");

        CliRun pgArchive = CliRun.of(
                "serve",
                "--store",
                "postgres",
                "--pg-url",
                "jdbc:postgresql://127.0.0.1:1/none",
                "--retention",
                "ord_:archive-after=30d");
        assertThat(pgArchive.exitCode()).isEqualTo(2);
        assertThat(pgArchive.err()).contains("ADR 0017");

        CliRun noArchive =
                CliRun.of("serve", "--port", "0", "--data-dir", data, "--retention", "ord_:archive-after=30d");
        assertThat(noArchive.exitCode()).isEqualTo(2);
        assertThat(noArchive.err()).contains("--archive-url");

        CliRun interval = CliRun.of(
                "serve", "--port", "0", "--data-dir", data, "--retention", "a:keep", "--retention-interval", "0s");
        assertThat(interval.exitCode()).isEqualTo(2);
    }
}
