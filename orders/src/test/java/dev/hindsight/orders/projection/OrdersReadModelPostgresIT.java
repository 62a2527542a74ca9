package dev.hindsight.orders.projection;

import dev.hindsight.projection.ReadModelDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The read model on PostgreSQL: the same SQL as on SQLite. The database comes from {@code HINDSIGHT_PG_URL} /
 * {@code HINDSIGHT_PG_USER} / {@code HINDSIGHT_PG_PASSWORD} (default {@code jdbc:postgresql://127.0.0.1:5432/
 * hindsight_test}, user and password {@code hindsight}, as {@code ./test.sh} sets it up); each run gets a schema of
 * its own. No skipping: without a database it fails.
 */
class OrdersReadModelPostgresIT extends OrdersReadModelContract {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private final String schema = ("t_orders_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @Override
    ReadModelDatabase database(Path dir) throws Exception {
        execute("CREATE SCHEMA " + schema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(URL);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        ds.setCurrentSchema(schema);
        return ReadModelDatabase.postgres(ds);
    }

    @Override
    void dropDatabase() throws Exception {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
