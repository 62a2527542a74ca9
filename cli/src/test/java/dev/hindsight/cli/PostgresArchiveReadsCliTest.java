package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.server.HindsightServer;
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
 * {@code serve --store postgres --archive-url} (ADR 0017): once old ranges are archived and their rows deleted,
 * {@code GET /api/events} and an aggregate's events answer exactly as before, read through the archive. Database from
 * {@code HINDSIGHT_PG_URL} (as {@code PostgresServeTest}).
 */
class PostgresArchiveReadsCliTest {
    private final String schema = "t_arr_" + UUID.randomUUID().toString().substring(0, 8);
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
    void serveOnPostgres_readsArchivedEventsThroughTheArchive() throws Exception {
        server = PgTestDb.serve(
                schema,
                "--archive-url",
                tmp.resolve("archive").toUri().toString(),
                "--archive-after",
                "0s",
                "--archive-range-events",
                "50",
                // the first archive run after 3 s, not after the 10 s interval: time for the two appends and the three
                // reads below, which must come first (checked: all 600 rows are still in the table after them)
                "--archive-first-run-after",
                "3s");
        String url = "http://127.0.0.1:" + server.port();
        RetentionCliTest.carts(url, 2); // 200 carts, 600 events
        JsonNode events = HttpGet.json(url + "/api/events?limit=1000").path("events");
        JsonNode carts = HttpGet.json(url + "/api/events?limit=1000&aggregate_prefix=cart_1_")
                .path("events");
        JsonNode cart = HttpGet.json(url + "/api/aggregates/cart_0_7/events");
        assertThat(events).hasSize(600);
        assertThat(rows()).as("rows before the first archive run").isEqualTo(600);

        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        // its rows are gone a moment before the archiver reports itself done
        while ((rows() > 300 || archivedSegments(url) == 0) && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(rows()).as("rows left after archiving").isLessThanOrEqualTo(300);
        assertThat(archivedSegments(url)).isPositive();

        assertThat(HttpGet.json(url + "/api/events?limit=1000").path("events")).isEqualTo(events);
        assertThat(HttpGet.json(url + "/api/events?limit=1000&aggregate_prefix=cart_1_")
                        .path("events"))
                .isEqualTo(carts);
        assertThat(HttpGet.json(url + "/api/aggregates/cart_0_7/events")).isEqualTo(cart);
    }

    /** The segments of the last archive run ({@code GET /api/retention}), 0 before the first. */
    private static int archivedSegments(String url) throws java.io.IOException {
        return HttpGet.json(url + "/api/retention")
                .path("last_archive_run")
                .path("segments")
                .asInt();
    }

    private long rows() throws SQLException {
        try (Connection c = DriverManager.getConnection(PgTestDb.URL, PgTestDb.USER, PgTestDb.PASSWORD);
                Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM " + schema + ".events")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
