package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The PostgreSQL the cli tests use: {@code HINDSIGHT_PG_URL} / {@code _USER} / {@code _PASSWORD} (what {@code test.sh}
 * sets), else the local {@code hindsight_test} database; dropping a store's schemas after a test, and looking into a
 * store's tables (rows holding a value, stored snapshots).
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

    /** The command-line options naming this database and {@code schema}: {@code --pg-url … --pg-schema schema}. */
    static List<String> storeArgs(String schema) {
        return List.of("--pg-url", URL, "--pg-user", USER, "--pg-password", PASSWORD, "--pg-schema", schema);
    }

    /**
     * Starts {@code serve --port 0 --store postgres} on this database and {@code schema}, with {@code extra} options.
     *
     * @return the running server; the caller stops it
     */
    static HindsightServer serve(String schema, String... extra) {
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--store", "postgres"));
        args.addAll(storeArgs(schema));
        args.addAll(List.of(extra));
        return ServeRun.start(args.toArray(String[]::new));
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

    /**
     * "schema.table: row" for every row of every table of the store's schema and its read model's schema whose text (or
     * bytea hex) holds {@code value}.
     */
    static List<String> rowsContaining(String schema, String value) throws SQLException {
        String hex = HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8));
        List<String> hits = new ArrayList<>();
        try (Connection c = connect()) {
            List<String> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT table_schema || '.' || table_name"
                    + " FROM information_schema.tables WHERE table_schema IN (?, ?) AND table_type = 'BASE TABLE'")) {
                ps.setString(1, schema);
                ps.setString(2, schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            assertThat(tables).hasSizeGreaterThan(4);
            for (String t : tables) {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT t::text FROM " + t + " t")) {
                    while (rs.next()) {
                        String row = rs.getString(1);
                        if (row.contains(value) || row.contains(hex)) {
                            hits.add(t + ": " + row);
                        }
                    }
                }
            }
        }
        return hits;
    }

    /** The snapshots of {@code aggregateId} stored in the store's schema, as they are stored. */
    static List<Snapshot> storedSnapshots(String schema, String aggregateId) {
        PostgresOptions options = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withPoolSize(2)
                .withMigrate(false);
        try (HikariDataSource pool = options.openPool();
                PostgresSnapshotStore s = PostgresSnapshotStore.open(pool, options, SnapshotRetention.DEFAULT)) {
            return s.snapshots(aggregateId);
        }
    }
}
