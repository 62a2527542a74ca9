package dev.hindsight.client;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.testkit.EventLogTck;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The remote client passes the whole conformance suite against a real server on the PostgreSQL engine (the database of
 * {@code HINDSIGHT_PG_URL}, as {@code ./test.sh} sets it up; no skipping): one schema for the class, emptied before every
 * test, a fresh server over it per test.
 */
class RemotePostgresEventLogTckIT extends EventLogTck {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private static String schema;
    private static PostgresOptions options;
    private static HikariDataSource pool;

    @BeforeAll
    static void createSchema() {
        schema = ("t_client_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        PostgresOptions o = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withPoolSize(20)
                .withApplicationName("hindsight-test-" + schema);
        pool = o.openPool();
        PostgresEventLog.open(pool, o).close();
        options = o.withMigrate(false);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        pool.close();
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        execute("DELETE FROM " + schema + ".events; DELETE FROM " + schema + ".event_ids");
        return new ServedLog(PostgresEventLog.open(pool, options));
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
