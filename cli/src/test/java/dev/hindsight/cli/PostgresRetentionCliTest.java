package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store postgres} with retention rules and {@code --archive-url} (ADR 0017): delete rules run through
 * {@code retention run}; old ranges are exported to the archive and their rows deleted in the background, shown in
 * {@code GET /api/retention}. Database from {@code HINDSIGHT_PG_URL} (as {@code PostgresServeTest}).
 */
class PostgresRetentionCliTest {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;

    private final String schema = "t_ret_" + UUID.randomUUID().toString().substring(0, 8);
    private HindsightServer server;

    @TempDir
    Path tmp;

    @AfterEach
    void stopAndDropSchema() throws SQLException {
        if (server != null) {
            server.stop();
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    @Test
    void serveOnPostgres_deletesByRule_andArchivesOldRanges() throws Exception {
        Path archive = tmp.resolve("archive");
        server = PgTestDb.serve(
                schema,
                "--retention",
                "type=CartViewed:delete-after=0s",
                "--archive-url",
                archive.toUri().toString(),
                "--archive-after",
                "0s",
                "--archive-range-events",
                "50",
                // the first archive run after 1 s, not after the 10 s interval (the test would wait for it)
                "--archive-first-run-after",
                "1s");
        String url = "http://127.0.0.1:" + server.port();
        RetentionCliTest.carts(url, 2); // 200 carts, 600 events

        long deleted = 0;
        JsonNode status;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            CliRun run = CliRun.of("retention", "run", "--url", url);
            assertThat(run.exitCode()).as(run.err()).isZero();
            deleted += Json.mapper().readTree(run.out()).path("deleted").asLong();
            status = HttpGet.json(url + "/api/retention");
            Thread.sleep(300);
        } while ((deleted == 0
                        || status.path("last_archive_run").path("segments").asInt() == 0)
                && System.nanoTime() < deadline);
        // views are never an aggregate's last event here (CartClosed is), so retention may delete all 200 of them;
        // archived ranges' rows may have gone first
        assertThat(deleted).as(status.toString()).isPositive().isLessThanOrEqualTo(200);
        JsonNode archived = status.path("last_archive_run");
        assertThat(archived.path("error").isNull()).as(status.toString()).isTrue();
        assertThat(archived.path("segments").asInt()).as(status.toString()).isPositive();
        assertThat(Files.exists(archive.resolve("postgres/manifest.json"))).isTrue();
        // the aggregates still answer their version (last events are kept)
        JsonNode cart = HttpGet.json(url + "/api/aggregates/cart_0_0/events");
        assertThat(cart.toString()).contains("CartClosed");

        // the archive rebuilds a store in another schema: every archived event, with its position
        server.stop();
        server = null;
        long archivedRecords = 0;
        for (JsonNode seg : Json.mapper()
                .readTree(archive.resolve("postgres/manifest.json").toFile())
                .path("segments")) {
            archivedRecords += seg.path("records").asLong();
        }
        CliRun restore = CliRun.of(
                "archive",
                "restore",
                "--store",
                "postgres",
                "--pg-url",
                URL,
                "--pg-user",
                USER,
                "--pg-password",
                PASSWORD,
                "--pg-schema",
                schema + "_r",
                "--archive-url",
                archive.toUri().toString());
        try {
            assertThat(restore.exitCode()).as(restore.err()).isZero();
            assertThat(restore.out()).contains("restored " + archivedRecords + " of " + archivedRecords);
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                    Statement st = c.createStatement();
                    var rs =
                            st.executeQuery("SELECT count(*), count(DISTINCT position) FROM " + schema + "_r.events")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(archivedRecords);
                assertThat(rs.getLong(2)).isEqualTo(archivedRecords);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + "_r CASCADE");
            }
        }
        CliRun noUrl = CliRun.of(
                "archive",
                "restore",
                "--store",
                "postgres",
                "--pg-url",
                "",
                "--archive-url",
                archive.toUri().toString());
        assertThat(noUrl.exitCode()).isEqualTo(2);
        assertThat(noUrl.err()).contains("--pg-url");
    }

    @Test
    void postgresArchiveOptions_badInputRefused() {
        CliRun size = CliRun.of("serve", "--store", "postgres", "--pg-url", URL, "--segment-size", "1MiB");
        assertThat(size.exitCode()).isNotZero();
        assertThat(size.err()).contains("file engine");
        CliRun range = CliRun.of(
                "serve",
                "--store",
                "postgres",
                "--pg-url",
                URL,
                "--archive-url",
                "file:///tmp/x",
                "--archive-range-events",
                "0");
        assertThat(range.exitCode()).isEqualTo(2);
        assertThat(range.err()).contains("--archive-range-events");
    }
}
