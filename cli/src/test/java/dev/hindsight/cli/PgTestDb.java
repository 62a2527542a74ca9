package dev.hindsight.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL the cli tests use: {@code HINDSIGHT_PG_URL} / {@code _USER} / {@code _PASSWORD} (what {@code test.sh}
 * sets), else the local {@code hindsight_test} database; and dropping a store's schemas after a test.
 */
final class PgTestDb {
    static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private PgTestDb() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, PASSWORD);
    }

    /** Drops the store's schema and its read model's schema. */
    static void dropStoreSchemas(String schema) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("DROP SCHEMA IF EXISTS " + schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX + " CASCADE");
        }
    }
}
