package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
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
        return database(null);
    }

    /** Another read-model database on this test's schema; its sessions are named after the schema. */
    private ReadModelDatabase database(@Nullable String options) {
        return database(options, 0);
    }

    private ReadModelDatabase database(@Nullable String options, int socketTimeoutSeconds) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(URL);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        ds.setCurrentSchema(schema);
        ds.setApplicationName(schema);
        if (options != null) {
            ds.setOptions(options);
        }
        ds.setSocketTimeout(socketTimeoutSeconds);
        return ReadModelDatabase.postgres(ds);
    }

    @Test
    void readModelLockedLongerThanTheRetries_appliesTheEventOnceReleased_withoutDeadLettering() throws Exception {
        // The runner's sessions give up on a lock after 100 ms (a lock_timeout, as many production roles have), and
        // the projection's retries (2 attempts, 10 ms apart) last far less than the lock is held below.
        ReadModelDatabase timed = database("-c lock_timeout=100");
        try {
            startCarts(
                    timed,
                    ProjectionOptions.DEFAULT
                            .withRetry(2, Duration.ofMillis(10))
                            .withDeadLetter(true));
            AppendResult second;
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("LOCK TABLE " + schema + ".carts_items_g1 IN ACCESS EXCLUSIVE MODE");
                second = add(store, "cart-1", "apple", 1);
                awaitLastError("carts", "lock timeout");
                Thread.sleep(600); // several lock timeouts more: longer than the retries last
                c.commit();
            }
            assertAppliedOnce(second, Duration.ofSeconds(10));
            assertThat(engine.status("carts").deadLetters())
                    .as("a lock held by someone else is not the event's fault")
                    .isZero();
        } finally {
            if (engine != null) {
                engine.close();
                engine = null;
            }
            timed.close();
        }
    }

    /**
     * The runner analyzes its tables once it has applied 1,000 events (then at each doubling): plans of its prepared
     * writes, cached while the tables were empty, are planned again with statistics. Without it, on a server whose
     * autovacuum is off (this project's CI server), they stayed those of an empty table for good.
     */
    @Test
    void runnerAnalyzesItsTables_afterItsFirstThousandEvents() throws Exception {
        startCarts(db, ProjectionOptions.DEFAULT);
        assertThat(lastAnalyze("carts_items_g1")).as("not before 1,000 events").isNull();
        AppendResult last = null;
        for (int i = 0; i < 1_100; i++) {
            last = add(store, "cart-" + (i % 300), "sku-" + i, 1);
        }
        assertThat(engine.awaitPosition("carts", last.position(), Duration.ofSeconds(30)))
                .isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((lastAnalyze("carts_items_g1") == null || lastAnalyze("carts_carts_g1") == null)
                && System.nanoTime() < deadline) {
            Thread.sleep(100); // the server publishes its statistics of a session's analyze within about a second
        }
        assertThat(lastAnalyze("carts_items_g1")).isNotNull();
        assertThat(lastAnalyze("carts_carts_g1")).isNotNull();
    }

    /** When {@code table} of this test's schema was last analyzed by an ANALYZE command (not autovacuum), or null. */
    private java.sql.@Nullable Timestamp lastAnalyze(String table) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("table %s.%s exists", schema, table).isTrue();
                return rs.getTimestamp(1);
            }
        }
    }

    @Test
    void readModelSessionsCut_runnerReconnects_andAppliesEachEventOnce() throws Exception {
        startCarts(db, ProjectionOptions.DEFAULT);

        terminateSessions(); // as a restart or failover of the read model's server does
        AppendResult second = add(store, "cart-1", "apple", 1);

        assertAppliedOnce(second, Duration.ofSeconds(10));
        assertThat(engine.status("carts").state()).isEqualTo("running");
    }

    @Test
    void readModelSessionCutDuringACommit_runnerReconnects_andAppliesTheBatchOnce() throws Exception {
        startCarts(db, ProjectionOptions.DEFAULT);
        slowCommits(1);
        AppendResult second = add(store, "cart-1", "apple", 1);
        awaitCommitInTrigger();

        terminateSessions(); // the commit's outcome is unknown to the runner

        assertAppliedOnce(second, Duration.ofSeconds(10));
    }

    @Test
    void commitOutlivingItsLostConnection_isWaitedFor_andTheBatchAppliedOnce() throws Exception {
        // The runner's client gives up on an answer after 1 s; its COMMIT, which a deferred trigger makes take 3 s,
        // goes on in its server session after the client has gone: the reconnected runner must not read the
        // checkpoint before that session has ended, or it applies the batch a second time.
        ReadModelDatabase impatient = database(null, 1);
        try {
            startCarts(impatient, ProjectionOptions.DEFAULT);
            slowCommits(3);
            AppendResult second = add(store, "cart-1", "apple", 1);
            awaitLastError("carts", "connection lost");
            execute("DROP TRIGGER slow ON " + schema + ".carts_items_g1"); // once the old transaction has ended

            assertAppliedOnce(second, Duration.ofSeconds(15));
        } finally {
            if (engine != null) {
                engine.close();
                engine = null;
            }
            impatient.close();
        }
    }

    /** Starts the engine with the carts projection on {@code d} and waits until a first event is applied. */
    private void startCarts(ReadModelDatabase d, ProjectionOptions options) throws InterruptedException {
        engine = ProjectionEngine.builder(store, d)
                .add(new CartProjection("carts"), options)
                .build()
                .start();
        AppendResult first = add(store, "cart-1", "apple", 1);
        assertThat(engine.awaitPosition("carts", first.position(), Duration.ofSeconds(10)))
                .isTrue();
    }

    /** From now on every commit of the read model that wrote an item takes {@code seconds} (a deferred trigger). */
    private void slowCommits(int seconds) throws Exception {
        execute("CREATE FUNCTION " + schema + ".slow() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$ BEGIN PERFORM pg_sleep(" + seconds + "); RETURN NULL; END $$");
        execute("CREATE CONSTRAINT TRIGGER slow AFTER INSERT OR UPDATE ON " + schema + ".carts_items_g1"
                + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION " + schema + ".slow()");
    }

    /** The second apple of cart-1 is applied, once: the handler adds, so twice shows. */
    private void assertAppliedOnce(AppendResult second, Duration timeout) throws InterruptedException {
        assertThat(engine.awaitPosition("carts", second.position(), timeout))
                .as(
                        "state %s, error %s",
                        engine.status("carts").state(), engine.status("carts").lastError())
                .isTrue();
        assertThat(qty(engine, "carts", "cart-1", "apple")).isEqualTo(2);
    }

    /** Ends every server session of this test's read-model databases. */
    private void terminateSessions() throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                PreparedStatement ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM"
                        + " pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("sessions ended").isPositive();
            }
        }
    }

    private void awaitLastError(String projection, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            String error = engine.status(projection).lastError();
            if (error != null && error.contains(text)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no error with \"" + text + "\": " + engine.status(projection));
    }

    @Test
    void closeWhileABatchCommits_thenRestart_appliesTheBatchOnce() throws Exception {
        startCarts(db, ProjectionOptions.DEFAULT);
        // from now on a commit of the read model takes a second (a deferred trigger sleeps in it)
        slowCommits(1);
        AppendResult second = add(store, "cart-1", "apple", 1);
        awaitCommitInTrigger();

        engine.close(); // while the runner's batch commits
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();

        assertAppliedOnce(second, Duration.ofSeconds(10));
    }

    /**
     * Waits until a session of this test's database sleeps in a COMMIT: its own statement, or (the runner's) the last
     * statement of its writes' multi-statement text, which the server shows with the separator's line break before it.
     */
    private static void awaitCommitInTrigger() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                        + " current_database() AND wait_event = 'PgSleep' AND ltrim(query, E' \\n') ILIKE 'commit%'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        }
        String seen = "";
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(coalesce(wait_event, '-') || ': ' || query, ' | ')"
                        + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            rs.next();
            seen = rs.getString(1);
        }
        throw new AssertionError("no commit reached the trigger: " + seen);
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
