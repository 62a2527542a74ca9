package dev.hindsight.orders.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.decider.OrderStatus;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.projection.SqlSession;
import dev.hindsight.projection.VerifyReport;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.testkit.clock.SettableClock;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code orders} read model, on any database: rows equal the write side, keyset pages cover every matching order
 * exactly once in newest-first order (also with equal {@code created_at}), re-applying events changes nothing, and
 * verify finds no difference from a replay. Subclasses give the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OrdersReadModelContract {
    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final int ORDERS = 90;
    private static final OrderService.Caller CALLER = new OrderService.Caller("test", "corr");
    private static final SettableClock CLOCK = new SettableClock(T0);

    private Path dir;
    private EventStore store;
    private OrderSystem system;
    ProjectionEngine engine;
    private final List<OrderState> written = new ArrayList<>();

    /** A fresh, empty read-model database. */
    abstract ReadModelDatabase database(Path dir) throws Exception;

    /** Removes what {@link #database} created outside {@code dir}. */
    void dropDatabase() throws Exception {}

    @BeforeAll
    void fill() throws Exception {
        dir = Files.createTempDirectory("orders-rm-");
        store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
        system = OrderSystem.builder(store)
                .readModel(database(dir))
                .clock(CLOCK)
                .build()
                .start();
        engine = system.projections();
        OrderService service = system.service();
        Random random = new Random(7);
        Position last = Position.START;
        Currency usd = Currency.getInstance("USD");
        for (int i = 0; i < ORDERS; i++) {
            String id = "ord_%03d".formatted(i);
            // Every third order shares its created_at with the one before: ties are broken by order id.
            CLOCK.set(T0.plusSeconds(i - i / 3));
            String user = "user-" + (i % 4);
            List<LineItem> items = List.of(new LineItem("sku", 1 + random.nextInt(3), 250 + random.nextInt(1000)));
            OrderState s = service.handle(id, at -> new CreateOrder(id, user, items, usd, at), null, CALLER)
                    .state();
            CLOCK.set(CLOCK.instant().plusMillis(10));
            switch (random.nextInt(5)) {
                case 0 -> {}
                case 1 -> pay(service, id, s);
                case 2 -> {
                    pay(service, id, s);
                    service.handle(id, at -> new ShipOrder("T", "UPS", at), null, CALLER);
                }
                case 3 -> {
                    pay(service, id, s);
                    service.handle(id, at -> new CancelOrder("x", at), null, CALLER);
                    service.handle(id, at -> new RefundOrder("r", null, null, at), null, CALLER);
                }
                default -> service.handle(id, at -> new CancelOrder(null, at), null, CALLER);
            }
            written.add(service.load(id).state());
            last = store.head();
        }
        assertThat(engine.awaitPosition("orders", last, Duration.ofSeconds(20))).isTrue();
    }

    private static void pay(OrderService service, String id, OrderState s) {
        BigDecimal amount = BigDecimal.valueOf(s.totalAmount(), 2);
        service.handle(id, at -> new PayOrder("p", amount, null, "card", at), null, CALLER);
    }

    @AfterAll
    void close() throws Exception {
        system.close();
        store.close();
        dropDatabase();
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void rows_equalTheWriteSide() {
        for (OrderState s : written) {
            OrderRow row = engine.query("orders", q -> OrderQueries.get(q, s.orderId()));
            assertThat(row).isNotNull();
            assertThat(row.status()).isEqualTo(s.status().wire());
            assertThat(row.userId()).isEqualTo(s.userId());
            assertThat(row.totalAmount()).isEqualTo(s.totalAmount());
            assertThat(row.refundedAmount()).isEqualTo(s.refundedAmount());
            assertThat(row.createdAt()).isEqualTo(s.createdAt());
            assertThat(row.updatedAt()).isEqualTo(s.updatedAt());
            assertThat(row.paidAt()).isEqualTo(s.paidAt());
            assertThat(row.cancelledAt()).isEqualTo(s.cancelledAt());
            assertThat(row.version())
                    .isEqualTo(system.service().load(s.orderId()).version());
        }
    }

    @Test
    void pages_coverEveryMatchingOrderOnceNewestFirst() {
        check(null, null, null, null, s -> true);
        check("user-2", null, null, null, s -> s.userId().equals("user-2"));
        check(null, OrderStatus.CANCELLED, null, null, s -> s.status() == OrderStatus.CANCELLED);
        check(
                "user-1",
                OrderStatus.CREATED,
                null,
                null,
                s -> s.userId().equals("user-1") && s.status() == OrderStatus.CREATED);
        Instant from = T0.plusSeconds(10);
        Instant to = T0.plusSeconds(40);
        check(
                null,
                null,
                from,
                to,
                s -> !s.createdAt().isBefore(from) && s.createdAt().isBefore(to));
    }

    private void check(String user, OrderStatus status, Instant from, Instant to, Predicate<OrderState> p) {
        List<String> expected = written.stream()
                .filter(p)
                .sorted(Comparator.comparing(OrderState::createdAt)
                        .thenComparing(OrderState::orderId)
                        .reversed())
                .map(OrderState::orderId)
                .toList();
        List<String> got = new ArrayList<>();
        OrderQueries.Cursor cursor = null;
        int pages = 0;
        while (true) {
            OrderQueries.Filter f = new OrderQueries.Filter(user, status, from, to, 7, cursor);
            OrderQueries.Page page = engine.query("orders", q -> OrderQueries.list(q, f));
            page.orders().forEach(r -> got.add(r.orderId()));
            pages++;
            if (page.nextCursor() == null) {
                break;
            }
            cursor = OrderQueries.Cursor.decode(page.nextCursor());
        }
        assertThat(got).isEqualTo(expected);
        assertThat(pages).isEqualTo(Math.max(1, (expected.size() + 6) / 7));
    }

    @Test
    void reapplyingEvents_changesNothing_andVerifyAgreesWithAReplay() throws Exception {
        OrdersProjection projection = new OrdersProjection();
        List<OrderRow> before =
                engine.query("orders", q -> OrderQueries.list(q, all()).orders());
        java.util.Map<String, java.sql.PreparedStatement> statements = new java.util.HashMap<>();
        try (var c = engine.database().openWriter()) {
            SqlSession session = new SqlSession() {
                @Override
                public java.sql.Connection connection() {
                    return c;
                }

                @Override
                public String table(String logical) {
                    return engine.query("orders", q -> q.table(logical));
                }

                @Override
                public dev.hindsight.projection.Dialect dialect() {
                    return engine.database().dialect();
                }

                @Override
                public java.sql.PreparedStatement prepare(String sql) throws java.sql.SQLException {
                    return statements.computeIfAbsent(sql, k -> {
                        try {
                            return c.prepareStatement(k);
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
            };
            ReadModelDatabase.inTransaction(c, () -> {
                for (String id : List.of("ord_001", "ord_003", "ord_004")) {
                    for (RecordedEvent e : store.read(id).events()) {
                        projection.apply(e, session);
                    }
                }
            });
        }
        List<OrderRow> after =
                engine.query("orders", q -> OrderQueries.list(q, all()).orders());
        assertThat(after).isEqualTo(before);

        VerifyReport report = engine.verify("orders");
        assertThat(report.missingRows()).isEmpty();
        assertThat(report.extraRows()).isEmpty();
    }

    private static OrderQueries.Filter all() {
        return new OrderQueries.Filter(null, null, null, null, OrderQueries.MAX_LIMIT, null);
    }
}
