package dev.hindsight.orders.projection;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.orders.Money;
import dev.hindsight.orders.decider.OrderStatus;
import dev.hindsight.orders.event.OrderCancelled;
import dev.hindsight.orders.event.OrderCreated;
import dev.hindsight.orders.event.OrderDelivered;
import dev.hindsight.orders.event.OrderEvent;
import dev.hindsight.orders.event.OrderEvents;
import dev.hindsight.orders.event.OrderItemsAdjusted;
import dev.hindsight.orders.event.OrderLine;
import dev.hindsight.orders.event.OrderPaid;
import dev.hindsight.orders.event.OrderRefunded;
import dev.hindsight.orders.event.OrderReturned;
import dev.hindsight.orders.event.OrderShipped;
import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.SqlSession;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.List;
import java.util.Set;

/**
 * Maintains the {@code orders} table: {@code OrderCreated} upserts the row; every later event updates it only if it is
 * newer than the row ({@code version < ?}), so applying an event twice changes nothing. Stateless, thread-safe.
 */
public final class OrdersProjection implements Projection {
    public static final String NAME = "orders";
    public static final String TABLE = "orders";

    static final String COLUMNS = "order_id, user_id, status, currency, total_amount_minor, refunded_amount_minor,"
            + " item_count, created_at, updated_at, paid_at, shipped_at, delivered_at, cancelled_at, returned_at,"
            + " version";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> tables() {
        return List.of(TABLE);
    }

    @Override
    public Set<String> eventTypes() {
        return OrderEvents.TYPES;
    }

    /** Handlers find rows by {@code order_id} (the primary key) only; the other indexes serve queries. */
    @Override
    public boolean deferIndexes() {
        return true;
    }

    /** Every handler touches only the row of its own order. */
    @Override
    public boolean rowsPerAggregate() {
        return true;
    }

    @Override
    public List<String> keyColumns(String table) {
        return List.of("order_id");
    }

    /**
     * Creates the table and its indexes: by user, by status and by creation, each in {@code created_at} order, so a
     * filtered page newest first is one index range scan. On PostgreSQL each index ends with the whole sort key
     * {@code (created_at, order_id)}, so the scan needs no sort at all. On SQLite the query indexes end with
     * {@code created_at} and the table's 1–4 byte rowid, not with the 40-odd bytes of the order id (ADR 0005,
     * second amendment): the order id is stored twice (the row and its primary-key index) instead of four times, and
     * a page sorts only the rows of each {@code created_at} by order id (SQLite's "temp B-tree for right part of
     * ORDER BY", which stops at the page's limit).
     */
    @Override
    public void createTables(SqlSession s) throws SQLException {
        String t = s.table(TABLE);
        try (Statement st = s.connection().createStatement()) {
            st.execute("CREATE TABLE " + t + " ("
                    + "order_id VARCHAR(255) PRIMARY KEY, "
                    + "user_id VARCHAR(255) NOT NULL, "
                    + "status VARCHAR(20) NOT NULL, "
                    + "currency CHAR(3) NOT NULL, "
                    + "total_amount_minor BIGINT NOT NULL, "
                    + "refunded_amount_minor BIGINT NOT NULL, "
                    + "item_count INTEGER NOT NULL, "
                    + "created_at BIGINT NOT NULL, "
                    + "updated_at BIGINT NOT NULL, "
                    + "paid_at BIGINT, shipped_at BIGINT, delivered_at BIGINT, cancelled_at BIGINT, "
                    + "returned_at BIGINT, "
                    + "version BIGINT NOT NULL)");
            String tieBreak = s.dialect() == Dialect.SQLITE ? "" : ", order_id";
            st.execute("CREATE INDEX " + t + "_user_created ON " + t + " (user_id, created_at" + tieBreak + ")");
            st.execute("CREATE INDEX " + t + "_status ON " + t + " (status, created_at" + tieBreak + ")");
            st.execute("CREATE INDEX " + t + "_created ON " + t + " (created_at" + tieBreak + ")");
        }
    }

    @Override
    public void apply(RecordedEvent e, SqlSession s) throws SQLException {
        OrderEvent event = OrderEvents.REGISTRY.fromRecorded(e);
        String id = e.aggregateId();
        long v = e.version();
        switch (event) {
            case OrderCreated c -> created(s, id, v, c);
            case OrderItemsAdjusted a -> {
                Currency currency = Currency.getInstance(a.currency());
                update(
                        s,
                        id,
                        v,
                        a.at(),
                        "total_amount_minor = ?, item_count = ?",
                        Money.of(a.totalAmount(), currency, "total_amount").minor(),
                        itemCount(a.items()));
            }
            case OrderPaid p ->
                update(s, id, v, p.at(), "status = ?, paid_at = ?", OrderStatus.PAID.wire(), micros(p.paidAt()));
            case OrderShipped sh ->
                update(
                        s,
                        id,
                        v,
                        sh.at(),
                        "status = ?, shipped_at = ?",
                        OrderStatus.SHIPPED.wire(),
                        micros(sh.shippedAt()));
            case OrderDelivered d ->
                update(
                        s,
                        id,
                        v,
                        d.at(),
                        "status = ?, delivered_at = ?",
                        OrderStatus.DELIVERED.wire(),
                        micros(d.deliveredAt()));
            case OrderCancelled c ->
                update(
                        s,
                        id,
                        v,
                        c.at(),
                        "status = ?, cancelled_at = ?",
                        OrderStatus.CANCELLED.wire(),
                        micros(c.cancelledAt()));
            case OrderReturned r ->
                update(
                        s,
                        id,
                        v,
                        r.at(),
                        "status = ?, returned_at = ?",
                        OrderStatus.RETURNED.wire(),
                        micros(r.returnedAt()));
            case OrderRefunded r -> {
                long amount = Money.of(r.amount(), Currency.getInstance(r.currency()), "amount")
                        .minor();
                // Payments are always of the full total, so "all paid money refunded" is refunded >= total.
                update(
                        s,
                        id,
                        v,
                        r.at(),
                        "refunded_amount_minor = refunded_amount_minor + ?, status = CASE WHEN"
                                + " refunded_amount_minor + ? >= total_amount_minor THEN ? ELSE status END",
                        amount,
                        amount,
                        OrderStatus.REFUNDED.wire());
            }
        }
    }

    private static void created(SqlSession s, String id, long v, OrderCreated c) throws SQLException {
        Currency currency = Currency.getInstance(c.currency());
        String t = s.table(TABLE);
        PreparedStatement ps = s.prepare("INSERT INTO " + t + " (" + COLUMNS + ") VALUES"
                + " (?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?) ON CONFLICT (order_id) DO UPDATE SET"
                + " user_id = excluded.user_id, status = excluded.status, currency = excluded.currency,"
                + " total_amount_minor = excluded.total_amount_minor, refunded_amount_minor = 0,"
                + " item_count = excluded.item_count, created_at = excluded.created_at,"
                + " updated_at = excluded.updated_at, paid_at = NULL, shipped_at = NULL, delivered_at = NULL,"
                + " cancelled_at = NULL, returned_at = NULL, version = excluded.version");
        ps.setString(1, id);
        ps.setString(2, c.userId());
        ps.setString(3, OrderStatus.CREATED.wire());
        ps.setString(4, c.currency());
        ps.setLong(5, Money.of(c.totalAmount(), currency, "total_amount").minor());
        ps.setLong(6, itemCount(c.items()));
        ps.setLong(7, micros(c.createdAt()));
        ps.setLong(8, micros(c.createdAt()));
        ps.setLong(9, v);
        ps.executeUpdate();
    }

    private static void update(SqlSession s, String id, long version, Instant at, String set, Object... values)
            throws SQLException {
        PreparedStatement ps = s.prepare("UPDATE " + s.table(TABLE) + " SET " + set
                + ", updated_at = ?, version = ? WHERE order_id = ? AND version < ?");
        int i = 1;
        for (Object value : values) {
            ps.setObject(i++, value);
        }
        ps.setLong(i++, micros(at));
        ps.setLong(i++, version);
        ps.setString(i++, id);
        ps.setLong(i, version);
        ps.executeUpdate();
    }

    private static long itemCount(List<OrderLine> lines) {
        long n = 0;
        for (OrderLine l : lines) {
            n += l.quantity();
        }
        return n;
    }

    /** Microseconds since the epoch (the column format of every instant). */
    public static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** The instant of a column value. */
    public static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
