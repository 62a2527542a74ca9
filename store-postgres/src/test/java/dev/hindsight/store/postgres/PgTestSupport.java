package dev.hindsight.store.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Where the tests find PostgreSQL and how they get a schema of their own. The database comes from
 * {@code HINDSIGHT_PG_URL} / {@code HINDSIGHT_PG_USER} / {@code HINDSIGHT_PG_PASSWORD} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/hindsight_test}, user and password {@code hindsight}, as {@code ./test.sh}
 * sets it up). There is no skipping: without a database the tests fail.
 */
final class PgTestSupport {
    static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private PgTestSupport() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** A fresh schema name, {@code t_<prefix>_<random>}. */
    static String newSchema(String prefix) {
        return ("t_" + prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    }

    /** Options for the test database and {@code schema}, with a pool big enough for the suites' 16 writers. */
    static PostgresOptions options(String schema) {
        return options(schema, URL);
    }

    /** {@link #options(String)} with another JDBC URL for the same database (e.g. over the Unix-domain socket). */
    static PostgresOptions options(String schema, String url) {
        return PostgresOptions.defaults(url)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withPoolSize(20)
                .withApplicationName("hindsight-test-" + schema);
    }

    /**
     * {@link #options} with group commit on and one writer over 2 partitions, and {@code linger}: with a linger a lone
     * append goes through the committer; with {@code Duration.ZERO} it takes the pooled path.
     */
    static PostgresOptions groupCommitOptions(String schema, Duration linger) {
        return options(schema).withPartitions(2).withGroupCommit(true, 1).withGroupCommitLinger(linger);
    }

    /**
     * The directory of the server's Unix-domain socket: {@code HINDSIGHT_PG_SOCKET}, default {@value
     * UnixSocketFactory#DEFAULT_DIRECTORY} (the server must run on this machine).
     */
    static final String SOCKET = env("HINDSIGHT_PG_SOCKET", UnixSocketFactory.DEFAULT_DIRECTORY);

    /** {@link #URL} through the Unix-domain socket in {@link #SOCKET}. */
    static String socketUrl() {
        return UnixSocketFactory.url(URL, SOCKET);
    }

    /** A connection of its own (not pooled), for setup and fault injection. */
    static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, PASSWORD);
    }

    /** Runs {@code sql} on a connection of its own. */
    static void execute(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static void dropSchema(String schema) throws SQLException {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    /**
     * Empties the event tables of {@code schema}. DELETE, not TRUNCATE: the tables are small, and TRUNCATE of 33
     * relations costs a file sync each at commit.
     */
    static void truncateEvents(String schema) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL synchronous_commit = off");
            s.execute("DELETE FROM " + schema + ".events");
            s.execute("DELETE FROM " + schema + ".event_ids");
            c.commit();
        }
    }
}
