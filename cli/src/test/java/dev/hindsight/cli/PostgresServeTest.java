package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store postgres} serves the same HTTP API on PostgreSQL: an append and a read over HTTP with the CLI,
 * in a schema of its own that is dropped afterwards. The database comes from {@code HINDSIGHT_PG_URL} /
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
