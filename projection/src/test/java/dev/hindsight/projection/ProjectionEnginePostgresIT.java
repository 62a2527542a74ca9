package dev.hindsight.projection;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The projection runner on a PostgreSQL read model: the local server ({@code HINDSIGHT_PG_URL}, user and password
 * {@code HINDSIGHT_PG_USER} / {@code HINDSIGHT_PG_PASSWORD}, defaults as set up by {@code ./test.sh}), a fresh schema
 * per test. No skipping: without a database these tests fail.
 */
class ProjectionEnginePostgresIT extends ProjectionEngineContract {
    static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private String schema;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @Override
    protected ReadModelDatabase openDatabase(Path dir) throws Exception {
        schema = "t_proj_" + UUID.randomUUID().toString().substring(0, 8);
        execute("CREATE SCHEMA " + schema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(URL);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        ds.setCurrentSchema(schema);
        return ReadModelDatabase.postgres(ds);
    }

    @Override
    protected void dropDatabase() throws Exception {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
