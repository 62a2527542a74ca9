package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.store.postgres.InlineHookException;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Inline projections: the PostgreSQL store and the read model in one database (different schemas), the engine's
 * {@link ProjectionEngine#applyInline} registered as the store's inline hook. Real PostgreSQL (see
 * {@link ProjectionEnginePostgresIT}); no skipping.
 */
class InlineProjectionPostgresIT {
    private static final String URL = ProjectionEnginePostgresIT.URL;
    private static final String USER = ProjectionEnginePostgresIT.USER;
    private static final String PASSWORD = ProjectionEnginePostgresIT.PASSWORD;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String storeSchema = "t_inl_store_" + suffix;
    private final String modelSchema = "t_inl_model_" + suffix;
    private PostgresEventLog log;
    private EventStore store;
    private ReadModelDatabase db;
    private ProjectionEngine engine;

    @BeforeEach
    void open() throws Exception {
        execute("CREATE SCHEMA " + modelSchema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(URL);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        ds.setCurrentSchema(modelSchema);
        db = ReadModelDatabase.postgres(ds);
    }

    private void openStore(boolean groupCommit) {
        log = PostgresEventLog.open(PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(storeSchema)
                .withGroupCommit(groupCommit, 2));
        store = EventStore.of(log);
    }

    private void startEngine(Projection p) {
        engine = ProjectionEngine.builder(store, db)
                .add(
                        p,
                        ProjectionOptions.DEFAULT
                                .withRetry(1, Duration.ofMillis(1))
                                .withInline(true))
                .build()
                .start();
        log.addInlineHook(engine::applyInline);
    }

    @AfterEach
    void close() throws Exception {
        if (engine != null) {
            engine.close();
        }
        db.close();
        if (store != null) {
            store.close();
        }
        execute("DROP SCHEMA IF EXISTS " + modelSchema + " CASCADE");
        execute("DROP SCHEMA IF EXISTS " + storeSchema + " CASCADE");
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Reads the read model over a connection of its own, bypassing the engine. */
    private long modelLong(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql.replace("$", modelSchema + "."))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long qty(String cart) throws Exception {
        return modelLong("SELECT COALESCE(SUM(qty), 0) FROM $carts_items_g1 WHERE cart_id = '" + cart + "'");
    }

    @Test
    void append_inlineProjection_rowIsCommittedWhenAppendReturns() throws Exception {
        openStore(false);
        ProjectionEngineContract.add(store, "before", "apple", 2); // before the engine: its runner applies it
        startEngine(new CartProjection("carts"));
        // inline once its first build (of the event above) has finished
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!engine.status("carts").state().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.status("carts").state()).isEqualTo("running");
        for (int i = 1; i <= 20; i++) {
            ProjectionEngineContract.add(store, "cart-1", "apple", 1);
            assertThat(qty("cart-1")).isEqualTo(i); // no waiting: committed with the append
        }
        AppendResult many = store.append(
                "cart-2",
                ExpectedVersion.ANY,
                List.of(
                        EventData.of("ItemAdded", "{\"sku\":\"a\",\"qty\":1}"),
                        EventData.of("ItemAdded", "{\"sku\":\"b\",\"qty\":2}")));
        assertThat(qty("cart-2")).isEqualTo(3);
        assertThat(qty("before")).isEqualTo(2);
        // the runner passes over what the appends applied: position = the last append, nothing applied twice
        assertThat(engine.awaitPosition("carts", many.position(), Duration.ofSeconds(10)))
                .isTrue();
        awaitNoMarkers();
        ProjectionStatus st = engine.status("carts");
        assertThat(st.state()).isEqualTo("running");
        assertThat(st.position()).isEqualTo(many.position().toString());
        assertThat(st.lagEvents()).isZero();
        assertThat(qty("cart-1")).isEqualTo(20);
        assertThat(engine.verify("carts").ok()).isTrue();
    }

    private void awaitNoMarkers() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (modelLong("SELECT COUNT(*) FROM $hindsight_inline") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(modelLong("SELECT COUNT(*) FROM $hindsight_inline")).isZero();
    }

    @Test
    void append_inlineHandlerThrows_appendFailsAndLeavesNoEventAndNoRow() throws Exception {
        openStore(false);
        startEngine(new CartProjection("carts"));
        ProjectionEngineContract.add(store, "cart-1", "apple", 1);
        Position head = store.head();
        assertThatThrownBy(() -> store.append(
                        "cart-1",
                        ExpectedVersion.ANY,
                        EventData.of("ItemAdded", "{\"sku\":\"x\",\"qty\":5,\"poison\":true}")))
                .isInstanceOf(InlineHookException.class)
                .hasMessageContaining("poison pill");
        assertThat(store.head()).isEqualTo(head);
        assertThat(store.log().aggregateVersion("cart-1")).isEqualTo(1);
        assertThat(store.readAll(head, 10, EventFilter.ALL).events()).isEmpty();
        assertThat(modelLong("SELECT COUNT(*) FROM $carts_items_g1 WHERE sku = 'x'"))
                .isZero();
        assertThat(modelLong("SELECT COUNT(*) FROM $hindsight_inline WHERE last_position > "
                        + ((Position.Sequence) head).value()))
                .isZero();
        // the store and the projection go on
        AppendResult next = ProjectionEngineContract.add(store, "cart-1", "apple", 1);
        assertThat(qty("cart-1")).isEqualTo(2);
        assertThat(engine.awaitPosition("carts", next.position(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(engine.status("carts").state()).isEqualTo("running");
    }

    @Test
    void concurrentAppends_withGroupCommitAndSomeFailing_rowsMatchTheStoredEvents() throws Exception {
        openStore(true);
        startEngine(new CartProjection("carts"));
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            int self = w;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 40; i++) {
                    boolean poison = i % 10 == 7;
                    try {
                        store.append(
                                "cart-" + ((self * 40 + i) % 23),
                                ExpectedVersion.ANY,
                                EventData.of(
                                        "ItemAdded",
                                        "{\"sku\":\"s" + (i % 3) + "\",\"qty\":1"
                                                + (poison ? ",\"poison\":true}" : "}")));
                        assertThat(poison).isFalse();
                        stored.incrementAndGet();
                    } catch (InlineHookException e) {
                        assertThat(poison).isTrue();
                        rejected.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(rejected.get()).isEqualTo(16 * 4);
        assertThat(stored.get()).isEqualTo(16 * 36);
        assertThat(modelLong("SELECT SUM(qty) FROM $carts_items_g1")).isEqualTo(stored.get());
        assertThat(modelLong("SELECT SUM(lines) FROM $carts_carts_g1")).isEqualTo(stored.get());
        long events = 0;
        for (int c = 0; c < 23; c++) {
            events += store.log().aggregateVersion("cart-" + c);
        }
        assertThat(events).isEqualTo(stored.get());
        PostgresEventLog.GroupCommitStats gc = log.groupCommitStats();
        assertThat(gc.appends()).isGreaterThan(gc.batches()); // appends were merged into shared transactions
        assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(10)))
                .isTrue();
        awaitNoMarkers();
        assertThat(engine.verify("carts").ok()).isTrue();
    }

    @Test
    void rebuild_whileInlineAppendsContinue_switchesToAnIdenticalGeneration() throws Exception {
        openStore(false);
        startEngine(new CartProjection("carts"));
        for (int i = 0; i < 500; i++) {
            ProjectionEngineContract.add(store, "cart-" + (i % 10), "apple", 1);
        }
        AtomicInteger written = new AtomicInteger(500);
        Thread writer = Thread.ofVirtual().start(() -> {
            while (engine.status("carts").generation() == 1 && written.get() < 20_000) {
                ProjectionEngineContract.add(store, "cart-" + (written.get() % 10), "apple", 1);
                written.incrementAndGet();
            }
        });
        engine.rebuild("carts");
        writer.join();
        assertThat(engine.status("carts").generation()).isEqualTo(2);
        // Appends made while the switch runs (the old runner stopped, the new one not yet live) are not applied
        // inline; the new generation's runner applies them from the log right after (documented on rebuild).
        assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(cartsTotal()).isEqualTo(written.get());
        for (int i = 0; i < 20; i++) {
            ProjectionEngineContract.add(store, "cart-0", "apple", 1);
            written.incrementAndGet();
            assertThat(cartsTotal()).isEqualTo(written.get()); // generation 2 is written inline, at once
        }
        // verify compares with the log up to the runner's position, so the runner must have passed the inline appends.
        assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(10)))
                .isTrue();
        VerifyReport report = engine.verify("carts");
        assertThat(report.ok()).as(report.toString()).isTrue();
    }

    @Test
    void parkedAggregate_laterEventsAreDeadLetteredByTheRunner_notAppliedInline() throws Exception {
        openStore(false);
        engine = ProjectionEngine.builder(store, db)
                .add(
                        new CartProjection("carts"),
                        ProjectionOptions.DEFAULT
                                .withRetry(1, Duration.ofMillis(1))
                                .withDeadLetter(true)
                                .withInline(true))
                .build()
                .start();
        // No hook yet: the runner meets the poison event, dead-letters it and parks cart-1.
        ProjectionEngineContract.add(store, "cart-1", "apple", 1);
        AppendResult poison = store.append(
                "cart-1", ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"x\",\"qty\":1,\"poison\":true}"));
        assertThat(engine.awaitPosition("carts", poison.position(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(engine.status("carts").deadLetters()).isEqualTo(1);
        log.addInlineHook(engine::applyInline);

        AppendResult later = ProjectionEngineContract.add(store, "cart-1", "apple", 5);
        ProjectionEngineContract.add(store, "cart-2", "pear", 2);

        assertThat(qty("cart-2")).as("other aggregates are applied inline").isEqualTo(2);
        assertThat(engine.awaitPosition("carts", later.position(), Duration.ofSeconds(10)))
                .isTrue();
        assertThat(qty("cart-1"))
                .as("the parked aggregate keeps its state from before the failure")
                .isEqualTo(1);
        assertThat(engine.status("carts").deadLetters()).isEqualTo(2);
    }

    private long cartsTotal() {
        return engine.query("carts", s -> {
            try (PreparedStatement ps =
                            s.connection().prepareStatement("SELECT SUM(qty) FROM " + s.table("carts_items"));
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Test
    void append_inlineHandlerWithBatchedWrites_readsItsOwnWritesInsideTheAppend() throws Exception {
        openStore(false);
        startEngine(new LedgerProjection("ledger"));
        ProjectionEngineContract.add(store, "cart-1", "apple", 2);
        store.append(
                "cart-2",
                ExpectedVersion.ANY,
                List.of(
                        EventData.of("ItemAdded", "{\"sku\":\"a\",\"qty\":1}"),
                        EventData.of("ItemAdded", "{\"sku\":\"b\",\"qty\":4}")));
        // committed with the appends; each handler call saw the sum including its own (queued) write
        assertThat(modelLong("SELECT SUM(n) FROM $ledger_rows_g1")).isEqualTo(7);
        assertThat(modelLong("SELECT COUNT(*) FROM $ledger_seen_g1 WHERE total = total_raw"))
                .isEqualTo(3);
        assertThat(modelLong("SELECT MAX(total) FROM $ledger_seen_g1")).isEqualTo(7);
        assertThat(engine.awaitPosition("ledger", store.head(), Duration.ofSeconds(10)))
                .isTrue();
        awaitNoMarkers();
        assertThat(engine.verify("ledger").ok()).isTrue();
    }

    @Test
    void build_inlineOnSqlite_isRejected() {
        ReadModelDatabase sqlite = ReadModelDatabase.sqlite(
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "inline-" + suffix + ".db"));
        openStore(false);
        assertThatThrownBy(() -> ProjectionEngine.builder(store, sqlite)
                        .add(new CartProjection("carts"), ProjectionOptions.DEFAULT.withInline(true))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PostgreSQL");
        sqlite.close();
    }
}
