package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The projection runner against one read-model database (the file log underneath); every database runs the same
 * tests: {@link ProjectionEngineSqliteTest} (embedded, on disk) and {@link ProjectionEnginePostgresIT}.
 */
abstract class ProjectionEngineContract {
    @TempDir
    Path dir;

    protected EventStore store;
    protected ReadModelDatabase db;
    protected ProjectionEngine engine;

    /** A new, empty read-model database for one test. */
    protected abstract ReadModelDatabase openDatabase(Path dir) throws Exception;

    /** Drops what {@link #openDatabase} made, after the test. */
    protected void dropDatabase() throws Exception {}

    @BeforeEach
    void open() throws Exception {
        store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
        db = openDatabase(dir);
    }

    @AfterEach
    void close() throws Exception {
        if (engine != null) {
            engine.close();
        }
        db.close();
        store.close();
        dropDatabase();
    }

    static AppendResult add(EventStore store, String cart, String sku, long qty) {
        return store.append(
                cart, ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"" + sku + "\",\"qty\":" + qty + "}"));
    }

    static long qty(ProjectionEngine engine, String projection, String cart, String sku) {
        return engine.query(projection, s -> {
            try (PreparedStatement ps = s.connection()
                    .prepareStatement(
                            "SELECT qty FROM " + s.table(projection + "_items") + " WHERE cart_id = ? AND sku = ?")) {
                ps.setString(1, cart);
                ps.setString(2, sku);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    @Test
    void live_appendThenQueryWithMinPosition_readsItsOwnWrite() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        for (int i = 0; i < 50; i++) {
            AppendResult r = add(store, "cart-1", "apple", 1);
            assertThat(engine.awaitPosition("carts", r.position(), Duration.ofSeconds(5)))
                    .isTrue();
            assertThat(qty(engine, "carts", "cart-1", "apple")).isEqualTo(i + 1);
        }
        store.append("other", ExpectedVersion.ANY, EventData.of("Unrelated", "{}"));
        AppendResult last = add(store, "cart-2", "pear", 3);
        assertThat(engine.awaitPosition("carts", last.position(), Duration.ofSeconds(5)))
                .isTrue();
        ProjectionStatus st = engine.status("carts");
        assertThat(st.state()).isEqualTo("running");
        assertThat(st.position()).isEqualTo(last.position().toString());
        assertThat(st.lagEvents()).isZero();
    }

    @Test
    void follower_emptyLog_startIsCoveredOnceARunnerRuns() throws Exception {
        ProjectionEngine follower = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .follower(true)
                .build()
                .start();
        try {
            assertThat(follower.awaitPosition("carts", store.head(), Duration.ofMillis(200)))
                    .as("no read model yet")
                    .isFalse();
            engine = ProjectionEngine.builder(store, db)
                    .add(new CartProjection("carts"))
                    .build()
                    .start();
            // loadgen's first call: min_position = the head of a store with no events yet
            assertThat(follower.awaitPosition("carts", store.head(), Duration.ofSeconds(10)))
                    .isTrue();
        } finally {
            follower.close();
        }
    }

    @Test
    void follower_queriesAndAwaitsWhatAnotherEnginesRunnerCommits_refusesRebuild() throws Exception {
        ProjectionEngine follower = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .follower(true)
                .build()
                .start();
        try {
            AppendResult first = add(store, "cart-1", "apple", 2);
            assertThat(follower.awaitPosition("carts", first.position(), Duration.ofMillis(300)))
                    .as("nobody projects yet")
                    .isFalse();
            assertThatThrownBy(() -> qty(follower, "carts", "cart-1", "apple"))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("does not exist yet");

            engine = ProjectionEngine.builder(store, db)
                    .add(new CartProjection("carts"))
                    .build()
                    .start();
            assertThat(follower.awaitPosition("carts", first.position(), Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(qty(follower, "carts", "cart-1", "apple")).isEqualTo(2);
            AppendResult second = add(store, "cart-1", "apple", 3);
            assertThat(follower.awaitPosition("carts", second.position(), Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(qty(follower, "carts", "cart-1", "apple")).isEqualTo(5);
            ProjectionStatus st = follower.status("carts");
            assertThat(st.state()).isEqualTo("remote");
            assertThat(st.position()).isEqualTo(second.position().toString());
            assertThat(st.lagEvents()).isZero();
            assertThatThrownBy(() -> follower.rebuild("carts"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("applied by other processes");
            if (db.dialect() != Dialect.POSTGRES) {
                assertThatThrownBy(() -> follower.verify("carts")).isInstanceOf(InvalidRequestException.class);
                return;
            }
            // verify on PostgreSQL: a consistent copy of the live tables and their position, while the other
            // engine's runner goes on committing (nothing paused)
            Thread writer = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 300; i++) {
                    add(store, "cart-" + (i % 7), "pear", 1);
                }
            });
            VerifyReport during = follower.verify("carts");
            writer.join();
            assertThat(during.ok()).as(during.toString()).isTrue();
            String live = follower.query("carts", x -> x.table("carts_items"));
            try (Connection c = db.openWriter();
                    Statement tamper = c.createStatement()) {
                c.setAutoCommit(true);
                assertThat(tamper.executeUpdate(
                                "UPDATE " + live + " SET qty = 99 WHERE cart_id = 'cart-1' AND sku = 'apple'"))
                        .isEqualTo(1);
            }
            VerifyReport tampered = follower.verify("carts");
            assertThat(tampered.missingRows()).hasSize(1).allMatch(r -> r.contains("qty=5"));
            assertThat(tampered.extraRows()).hasSize(1).allMatch(r -> r.contains("qty=99"));
        } finally {
            follower.close();
        }
    }

    @Test
    void awaitPosition_beyondHead_timesOutWithFalse() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        add(store, "cart-1", "apple", 1);
        assertThat(engine.awaitPosition("carts", Position.of(99), Duration.ofMillis(300)))
                .isFalse();
    }

    @Test
    void restart_resumesFromCheckpointWithoutReapplying() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        AppendResult r = null;
        for (int i = 0; i < 1000; i++) {
            r = add(store, "cart-" + (i % 10), "sku-" + (i % 7), 1);
        }
        assertThat(engine.awaitPosition("carts", r.position(), Duration.ofSeconds(10)))
                .isTrue();
        engine.close();
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        AppendResult more = add(store, "cart-0", "sku-0", 1);
        assertThat(engine.awaitPosition("carts", more.position(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(engine.verify("carts").ok()).isTrue();
        long total = 0;
        for (int c = 0; c < 10; c++) {
            for (int s = 0; s < 7; s++) {
                total += qty(engine, "carts", "cart-" + c, "sku-" + s);
            }
        }
        assertThat(total).isEqualTo(1001);
    }

    @Test
    void failingHandler_stopsOnlyThatProjectionWithPositionAndError() throws Exception {
        ProjectionOptions fast = ProjectionOptions.DEFAULT.withRetry(2, Duration.ofMillis(10));
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"), fast)
                .add(new CartProjection("tolerant"), fast.withDeadLetter(true))
                .build()
                .start();
        add(store, "cart-1", "apple", 1);
        AppendResult poison = store.append(
                "cart-1", ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"x\",\"qty\":1,\"poison\":true}"));
        add(store, "cart-1", "apple", 5);
        AppendResult last = add(store, "cart-2", "pear", 2);
        assertThat(engine.awaitPosition("tolerant", last.position(), Duration.ofSeconds(10)))
                .isTrue();
        awaitState("carts", "failed");
        ProjectionStatus failed = engine.status("carts");
        assertThat(failed.failedPosition()).isEqualTo(poison.position().toString());
        assertThat(failed.lastError()).contains("poison pill");
        assertThat(qty(engine, "carts", "cart-1", "apple")).isEqualTo(1);
        // the tolerant one parked cart-1 after the poison; cart-2 went on
        ProjectionStatus tolerant = engine.status("tolerant");
        assertThat(tolerant.state()).isEqualTo("running");
        assertThat(tolerant.deadLetters()).isEqualTo(2);
        assertThat(qty(engine, "tolerant", "cart-1", "apple")).isEqualTo(1);
        assertThat(qty(engine, "tolerant", "cart-2", "pear")).isEqualTo(2);
        List<String> letters = engine.query("tolerant", s -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.connection()
                    .createStatement()
                    .executeQuery(
                            "SELECT position, aggregate_id FROM hindsight_dead_letter WHERE name = 'tolerant' ORDER BY seq")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "@" + rs.getString(2));
                }
            }
            return out;
        });
        assertThat(letters)
                .containsExactly(
                        poison.position() + "@cart-1",
                        Position.of(((Position.Sequence) poison.position()).value() + 1) + "@cart-1");
    }

    @Test
    void handlerThrowingAnError_stopsThatProjectionAsFailed_notAsRunning() throws Exception {
        CartProjection carts = new CartProjection("carts");
        Projection throwsError = new Projection() {
            @Override
            public String name() {
                return carts.name();
            }

            @Override
            public List<String> tables() {
                return carts.tables();
            }

            @Override
            public java.util.Set<String> eventTypes() {
                return carts.eventTypes();
            }

            @Override
            public void createTables(SqlSession s) throws java.sql.SQLException {
                carts.createTables(s);
            }

            @Override
            public void apply(dev.hindsight.core.RecordedEvent e, SqlSession s) throws java.sql.SQLException {
                if (e.eventData().contains("\"error\"")) {
                    throw new AssertionError("handler error at " + e.position());
                }
                carts.apply(e, s);
            }
        };
        engine = ProjectionEngine.builder(store, db)
                .add(throwsError, ProjectionOptions.DEFAULT.withRetry(2, Duration.ofMillis(10)))
                .add(new CartProjection("others"))
                .build()
                .start();
        add(store, "cart-1", "apple", 1);
        store.append(
                "cart-1", ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"x\",\"qty\":1,\"error\":true}"));
        AppendResult last = add(store, "cart-2", "pear", 2);
        assertThat(engine.awaitPosition("others", last.position(), Duration.ofSeconds(10)))
                .isTrue();

        awaitState("carts", "failed");
        ProjectionStatus failed = engine.status("carts");
        assertThat(failed.lastError()).contains("handler error");
        assertThat(failed.failedPosition()).isNotNull();
        assertThat(qty(engine, "carts", "cart-2", "pear")).isZero();
        assertThat(engine.status("others").state()).isEqualTo("running");
    }

    private void awaitState(String name, String state) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!engine.status(name).state().equals(state) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(engine.status(name).state()).isEqualTo(state);
    }

    @Test
    void rebuild_whileWritesContinue_switchesToAnIdenticalNewGenerationAndKeepsServing() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        for (int i = 0; i < 3000; i++) {
            add(store, "cart-" + (i % 50), "sku-" + (i % 3), 1);
        }
        assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(30)))
                .isTrue();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger(3000);
        Thread writer = Thread.ofPlatform().start(() -> {
            while (writing.get()) {
                add(store, "cart-" + (written.get() % 50), "sku-0", 1);
                written.incrementAndGet();
                try {
                    Thread.sleep(1); // under 1,000 events/s: the seed's peak, not a flood
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        engine.rebuild("carts");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.status("carts").generation() == 1 && System.nanoTime() < deadline) {
            assertThat(qty(engine, "carts", "cart-0", "sku-0")).isPositive(); // the old generation keeps serving
            Thread.sleep(5);
        }
        writing.set(false);
        writer.join();
        assertThat(engine.status("carts").generation()).isEqualTo(2);
        assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(engine.status("carts").state()).isEqualTo("running");
        VerifyReport report = engine.verify("carts");
        assertThat(report.missingRows()).isEmpty();
        assertThat(report.extraRows()).isEmpty();
        long total = engine.query("carts", s -> {
            try (ResultSet rs =
                    s.connection().createStatement().executeQuery("SELECT SUM(qty) FROM " + s.table("carts_items"))) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(total).isEqualTo(written.get());
    }

    private long sum(String projection, String sql) {
        return engine.query(projection, s -> {
            try (ResultSet rs = s.connection()
                    .createStatement()
                    .executeQuery(sql.replace("$rows", s.table(projection + "_rows"))
                            .replace("$seen", s.table(projection + "_seen")))) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private void awaitRunning(String name) throws InterruptedException {
        assertThat(engine.awaitPosition(name, store.head(), Duration.ofSeconds(30)))
                .isTrue();
        awaitState(name, "running");
    }

    @Test
    void batchedWrites_handlerReadsAfterWritingInOneBatch_seesItsOwnEarlierWrites() throws Exception {
        for (int i = 0; i < 300; i++) {
            add(store, "cart-" + (i % 7), "apple", 1);
        }
        engine = ProjectionEngine.builder(store, db)
                .add(new LedgerProjection("ledger"))
                .build()
                .start();
        awaitRunning("ledger");
        // one catch-up batch (5,000 events): each handler's reads ran after its write was queued
        assertThat(sum("ledger", "SELECT COUNT(*) FROM $seen")).isEqualTo(300);
        assertThat(sum(
                        "ledger",
                        "SELECT COUNT(*) FROM $seen s WHERE s.total = s.total_raw AND s.total ="
                                + " (SELECT COUNT(*) FROM $seen x WHERE x.pos <= s.pos)"))
                .isEqualTo(300);
        assertThat(sum("ledger", "SELECT MIN(update_result) FROM $seen")).isEqualTo(java.sql.Statement.SUCCESS_NO_INFO);
        assertThat(sum("ledger", "SELECT SUM(n) FROM $rows")).isEqualTo(300);
        assertThat(engine.verify("ledger").ok()).isTrue();
    }

    @Test
    void batchedWrites_eventFailingMidBatch_dropsItsQueuedWriteAndAppliesEveryOtherOnce() throws Exception {
        for (int i = 0; i < 100; i++) {
            if (i == 60) {
                store.append(
                        "cart-poison",
                        ExpectedVersion.ANY,
                        EventData.of("ItemAdded", "{\"sku\":\"x\",\"qty\":1000,\"poison\":true}"));
            }
            add(store, "cart-" + (i % 5), "apple", 1);
        }
        ProjectionOptions o =
                ProjectionOptions.DEFAULT.withRetry(2, Duration.ofMillis(5)).withDeadLetter(true);
        engine = ProjectionEngine.builder(store, db)
                .add(new LedgerProjection("ledger"), o)
                .build()
                .start();
        awaitRunning("ledger");
        assertThat(engine.status("ledger").deadLetters()).isEqualTo(1);
        assertThat(sum("ledger", "SELECT SUM(n) FROM $rows")).isEqualTo(100);
        assertThat(sum("ledger", "SELECT COUNT(*) FROM $seen")).isEqualTo(100);
    }

    /** Indexes of a table, and (PostgreSQL) whether it is logged. */
    private String shape(String projection, String logical) {
        return engine.query(projection, s -> {
            String t = s.table(logical);
            String sql = s.dialect() == Dialect.POSTGRES
                    ? "SELECT string_agg(indexname, ',' ORDER BY indexname) || ' ' || (SELECT relpersistence::text FROM"
                            + " pg_class WHERE oid = to_regclass('" + t + "')) FROM pg_indexes WHERE tablename = '"
                            + t + "' AND schemaname = current_schema()"
                    : "SELECT group_concat(name, ',') || ' p' FROM (SELECT name FROM sqlite_master WHERE type ="
                            + " 'index' AND tbl_name = '" + t + "' ORDER BY name)";
            try (ResultSet rs = s.connection().createStatement().executeQuery(sql)) {
                rs.next();
                return rs.getString(1)
                        .replaceAll("sqlite_autoindex_[a-z_0-9]+", "pk")
                        .replaceAll("[a-z_0-9]+_pkey", "pk");
            }
        });
    }

    @Test
    void fastBuild_firstBuildAndRebuild_endDurableWithEveryIndex() throws Exception {
        for (int i = 0; i < 200; i++) {
            add(store, "cart-" + (i % 9), "apple", 1);
        }
        engine = ProjectionEngine.builder(store, db)
                .add(new LedgerProjection("ledger"))
                .build()
                .start();
        awaitRunning("ledger");
        assertThat(shape("ledger", "ledger_rows")).isEqualTo("ledger_rows_g1_n,pk p");
        assertThat(shape("ledger", "ledger_seen")).isEqualTo("pk p");
        engine.rebuild("ledger");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.status("ledger").generation() == 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(engine.status("ledger").generation()).isEqualTo(2);
        assertThat(shape("ledger", "ledger_rows")).isEqualTo("ledger_rows_g2_n,pk p");
        assertThat(sum("ledger", "SELECT COUNT(*) FROM hindsight_pending_ddl")).isZero();
        assertThat(engine.verify("ledger").ok()).isTrue();
        assertThat(sum("ledger", "SELECT SUM(n) FROM $rows")).isEqualTo(200);
    }

    @Test
    void fastBuild_firstBuildInterruptedAndTablesEmptied_startsOverOnRestart() throws Exception {
        for (int i = 0; i < 200; i++) {
            add(store, "cart-" + (i % 9), "apple", 1);
        }
        java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
        LedgerProjection ledger = new LedgerProjection("ledger");
        Projection gated = new Projection() {
            @Override
            public String name() {
                return ledger.name();
            }

            @Override
            public List<String> tables() {
                return ledger.tables();
            }

            @Override
            public java.util.Set<String> eventTypes() {
                return ledger.eventTypes();
            }

            @Override
            public boolean deferIndexes() {
                return true;
            }

            @Override
            public void createTables(SqlSession s) throws java.sql.SQLException {
                ledger.createTables(s);
            }

            @Override
            public void apply(dev.hindsight.core.RecordedEvent e, SqlSession s) throws java.sql.SQLException {
                if (((Position.Sequence) e.position()).value() >= 150) {
                    reached.countDown();
                    throw new IllegalStateException("stop here");
                }
                ledger.apply(e, s);
            }
        };
        ProjectionOptions small = new ProjectionOptions(10, 10, 1, Duration.ofMillis(1), false);
        engine = ProjectionEngine.builder(store, db).add(gated, small).build().start();
        assertThat(reached.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        awaitState("ledger", "failed");
        engine.close();
        // what PostgreSQL crash recovery does to the unlogged tables of a generation still being built
        try (java.sql.Connection c = db.openWriter();
                java.sql.Statement st = c.createStatement()) {
            st.execute("DELETE FROM ledger_rows_g1");
            st.execute("DELETE FROM ledger_seen_g1");
        }
        engine = ProjectionEngine.builder(store, db)
                .add(new LedgerProjection("ledger"), small)
                .build()
                .start();
        awaitRunning("ledger");
        assertThat(sum("ledger", "SELECT SUM(n) FROM $rows")).isEqualTo(200);
        assertThat(sum("ledger", "SELECT COUNT(*) FROM $seen")).isEqualTo(200);
        assertThat(shape("ledger", "ledger_rows")).isEqualTo("ledger_rows_g1_n,pk p");
    }

    @Test
    void verify_tamperedRow_isReported() throws Exception {
        engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"))
                .build()
                .start();
        AppendResult r = null;
        for (int i = 0; i < 20; i++) {
            r = add(store, "cart-" + (i % 4), "apple", 1);
        }
        assertThat(engine.awaitPosition("carts", r.position(), Duration.ofSeconds(5)))
                .isTrue();
        engine.query(
                "carts",
                s -> s.connection()
                        .createStatement()
                        .executeUpdate("UPDATE " + s.table("carts_items") + " SET qty = 99 WHERE cart_id = 'cart-2'"));
        VerifyReport report = engine.verify("carts");
        assertThat(report.ok()).isFalse();
        assertThat(report.missingRows()).singleElement().asString().contains("cart-2", "qty=5");
        assertThat(report.extraRows()).singleElement().asString().contains("cart-2", "qty=99");
    }
}
