package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
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

    @Test
    void closeWhileABatchCommits_thenRestart_appliesTheBatchOnce() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        AppendResult first = add(store, "cart-1", "apple", 1);
        assertThat(engine.awaitPosition("carts", first.position(), Duration.ofSeconds(10)))
                .isTrue();
        // from now on a commit of the read model takes a second (a deferred trigger sleeps in it)
        execute("CREATE FUNCTION " + schema + ".slow() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$");
        execute("CREATE CONSTRAINT TRIGGER slow AFTER INSERT OR UPDATE ON " + schema + ".carts_items_g1"
                + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION " + schema + ".slow()");
        AppendResult second = add(store, "cart-1", "apple", 1);
        awaitCommitInTrigger();

        engine.close(); // while the runner's batch commits
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();

        assertThat(engine.awaitPosition("carts", second.position(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(qty(engine, "carts", "cart-1", "apple"))
                .as("the second event applied once (the handler adds, so twice shows)")
                .isEqualTo(2);
    }

    /** Waits until a session of this test's database sleeps in a COMMIT. */
    private static void awaitCommitInTrigger() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                        + " current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        throw new AssertionError("no commit reached the trigger");
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
