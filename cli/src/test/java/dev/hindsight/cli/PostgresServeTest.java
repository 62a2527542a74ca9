package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store postgres} serves the same HTTP API on PostgreSQL: an append and a read over HTTP with the CLI,
 * and the order system with its snapshots and read model in the same database (no local disk), in schemas of their
 * own that are dropped afterwards. The database comes from {@code HINDSIGHT_PG_URL} /
 * {@code _USER} / {@code _PASSWORD} (default: the local test database {@code ./test.sh} sets up).
 */
class PostgresServeTest {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private final String schema = "t_cli_" + UUID.randomUUID().toString().substring(0, 8);
    private HindsightServer server;

    @TempDir
    Path dataDir;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @AfterEach
    void stopAndDropSchema() throws SQLException {
        if (server != null) {
            server.stop();
        }
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("DROP SCHEMA IF EXISTS " + schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX + " CASCADE");
        }
    }

    private static JsonNode json(CliRun r) throws IOException {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    @Test
    void serveOnPostgres_orders_snapshotsAndReadModelInPostgresNotOnDisk() throws Exception {
        Path unused = dataDir.resolve("unused");
        ServeCommand serve = Hindsight.commandLine().parseArgs("serve", "--port", "0", "--store", "postgres",
                "--pg-url", URL, "--pg-user", USER, "--pg-password", PASSWORD, "--pg-schema", schema,
                "--data-dir", unused.toString()).subcommand().commandSpec().commandLine().getCommand();
        server = serve.start();
        String url = "http://127.0.0.1:" + server.port();

        JsonNode created = json(CliRun.of("orders", "create", "--user", "pia", "--currency", "EUR",
                "--item", "lamp:1:30.00", "--url", url));
        String id = created.get("order_id").asText();
        // Paying is a major state change: the order system snapshots the order.
        json(CliRun.of("orders", "pay", id, "--payment-id", "pay_9", "--amount", "30.00", "--url", url));
        JsonNode history = json(CliRun.of("orders", "history", id, "--url", url));
        String last = history.get("events").get(1).get("position").asText();
        CliRun list = CliRun.of("orders", "list", "--user", "pia", "--min-position", last, "--all", "--url", url);

        assertThat(list.exitCode()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(Json.mapper().readTree(lines.getFirst()).get("order_id").asText()).isEqualTo(id);
        assertThat(Json.mapper().readTree(lines.getFirst()).get("status").asText()).isEqualTo("paid");
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD)) {
            String readModel = schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX;
            assertThat(queryStrings(c, "SELECT status FROM " + readModel + "." + ordersTable(c, readModel)
                    + " WHERE order_id = ?", id)).containsExactly("paid");
            // Snapshots are written in the background after the append: wait for it, up to 10 s.
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<String> snapshots = List.of();
            while (snapshots.isEmpty() && System.nanoTime() < deadline) {
                snapshots = queryStrings(c, "SELECT state::text FROM " + schema + ".snapshots"
                        + " WHERE position(? IN aggregate_id) > 0", id);
                if (snapshots.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            assertThat(snapshots).isNotEmpty();
            assertThat(snapshots.getFirst()).contains("paid");
        }
        assertThat(unused).doesNotExist();
    }

    /** The read model's {@code orders} table (its name carries the projection's generation). */
    private static String ordersTable(Connection c, String readModel) throws SQLException {
        List<String> tables = queryStrings(c, "SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = ? AND table_name LIKE 'orders%' ORDER BY table_name", readModel);
        assertThat(tables).hasSize(1);
        return tables.getFirst();
    }

    private static List<String> queryStrings(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    @Test
    void serveOnPostgres_appendThenReadOverHttp() throws IOException {
        ServeCommand serve = Hindsight.commandLine().parseArgs("serve", "--port", "0", "--store", "postgres",
                "--pg-url", URL, "--pg-user", USER, "--pg-password", PASSWORD, "--pg-schema", schema,
                "--data-dir", dataDir.toString()).subcommand().commandSpec().commandLine().getCommand();
        server = serve.start();
        String url = "http://127.0.0.1:" + server.port();

        CliRun placed = CliRun.of("append", "order-1", "--type", "OrderPlaced", "--data", "{\"total\": 4200}",
                "--metadata", "{\"user_id\":\"u-7\",\"timestamp\":\"2024-05-01T10:00:00Z\"}",
                "--expected-version", "no_stream", "--url", url);
        CliRun paid = CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1",
                "--url", url);
        CliRun read = CliRun.of("read", "order-1", "--url", url);

        assertThat(placed.exitCode()).as(placed.err()).isZero();
        assertThat(paid.exitCode()).as(paid.err()).isZero();
        assertThat(read.exitCode()).as(read.err()).isZero();
        List<String> lines = read.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        assertThat(first.get("event_type").asText()).isEqualTo("OrderPlaced");
        assertThat(first.get("event_data").get("total").asLong()).isEqualTo(4200);
        assertThat(first.get("metadata").get("user_id").asText()).isEqualTo("u-7");
        // The server gives events time-ordered ids on PostgreSQL (TimeOrderedUuids).
        assertThat(UUID.fromString(first.get("event_id").asText()).version()).isEqualTo(7);
        assertThat(Json.mapper().readTree(lines.get(1)).get("version").asLong()).isEqualTo(2);
        CliRun conflict = CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1",
                "--url", url);
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.err() + conflict.out()).contains("wrong_expected_version");
    }

    @Test
    void serveOnPostgres_withoutUrl_failsWithAClearMessage() {
        CliRun run = CliRun.of("serve", "--store", "postgres", "--pg-url", "", "--port", "0");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("--pg-url");
    }
}
