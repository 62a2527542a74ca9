package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.server.HindsightServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
 * Tokens of a PostgreSQL store live in its schema's {@code api_tokens} table (hashed): {@code tokens create --store
 * postgres}, then {@code serve --store postgres --auth} accepts them. Database from {@code HINDSIGHT_PG_URL} (as
 * {@link PostgresServeTest}).
 */
class PostgresTokensCliTest {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;

    private final String schema = "t_tok_" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path dataDir;

    @AfterEach
    void dropSchemas() throws SQLException {
        PgTestDb.dropStoreSchemas(schema);
    }

    private List<String> pg(String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        out.addAll(List.of("--store", "postgres"));
        out.addAll(PgTestDb.storeArgs(schema));
        return out;
    }

    private HindsightServer serve() {
        return PgTestDb.serve(schema, "--auth", "--data-dir", dataDir.toString());
    }

    @Test
    void tokensInTheSchema_serveAuthAcceptsThem_andRefusesToStartWithNone() throws Exception {
        assertThatThrownBy(this::serve).hasMessageContaining("no API token").hasMessageContaining("--store postgres");

        CliRun created = CliRun.of(
                pg("tokens", "create", "--role", "reader", "--name", "dash").toArray(String[]::new));
        assertThat(created.exitCode()).as(created.err()).isZero();
        String token = created.out().strip();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, role, sha256 FROM " + schema + ".api_tokens")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("dash");
            assertThat(rs.getString(3)).hasSize(64).isNotEqualTo(token);
        }
        assertThat(CliRun.of(pg("tokens", "list").toArray(String[]::new)).out()).contains("dash", "reader");

        HindsightServer server = serve();
        try {
            String url = "http://127.0.0.1:" + server.port();
            assertThat(CliRun.of("projections", "status", "--url", url).err()).contains("unauthorized");
            CliRun ok = CliRun.of("projections", "status", "--url", url, "--token", token);
            assertThat(ok.exitCode()).as(ok.err()).isZero();

            assertThat(CliRun.of(pg("tokens", "revoke", "dash").toArray(String[]::new))
                            .exitCode())
                    .isZero();
            long deadline = System.nanoTime() + 5_000_000_000L;
            CliRun after;
            do {
                Thread.sleep(50);
                after = CliRun.of("projections", "status", "--url", url, "--token", token);
            } while (after.exitCode() == 0 && System.nanoTime() < deadline);
            assertThat(after.err()).contains("unauthorized");
        } finally {
            server.stop();
        }
    }
}
