package dev.hindsight.orders.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.orders.decider.OrderStatus;
import dev.hindsight.projection.ReadModelDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
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

    /**
     * A page by status reads the (status, created_at, order_id) index, also where statuses follow
     * age (the newest orders all "created", a rare status only among the oldest): there PostgreSQL's planner, given
     * "status = ?", walked the created_at index and filtered, reading the whole table for a rare status. The extra
     * rows live only in a transaction that is rolled back.
     */
    @Test
    void listByStatus_statusesFollowingAge_walksTheStatusIndex() {
        List<String> plans = engine.query("orders", q -> {
            Connection c = q.connection();
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                String t = q.table(OrdersProjection.TABLE);
                st.execute("INSERT INTO " + t + " (order_id, user_id, status, currency, total_amount_minor,"
                        + " refunded_amount_minor, item_count, created_at, updated_at, version)"
                        + " SELECT 'old_' || g, 'u' || g, CASE WHEN g % 50 = 0 THEN 'returned' ELSE 'paid' END, 'USD',"
                        + " 100, 0, 1, g, g, 3 FROM generate_series(1, 3000) g");
                st.execute("INSERT INTO " + t + " (order_id, user_id, status, currency, total_amount_minor,"
                        + " refunded_amount_minor, item_count, created_at, updated_at, version)"
                        + " SELECT 'new_' || g, 'u' || g, 'created', 'USD', 100, 0, 1, 4000000000000000 + g,"
                        + " 4000000000000000 + g, 1 FROM generate_series(1, 6000) g");
                st.execute("ANALYZE " + t);
                List<String> out = new java.util.ArrayList<>();
                for (OrderStatus status : List.of(OrderStatus.RETURNED, OrderStatus.PAID, OrderStatus.CREATED)) {
                    OrderQueries.ListQuery lq =
                            OrderQueries.listQuery(t, new OrderQueries.Filter(null, status, null, null, 50, null));
                    try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + lq.sql())) {
                        for (int i = 0; i < lq.args().size(); i++) {
                            ps.setObject(i + 1, lq.args().get(i));
                        }
                        StringBuilder plan = new StringBuilder();
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                plan.append(rs.getString(1)).append('\n');
                            }
                        }
                        out.add(plan.toString());
                    }
                }
                return out;
            } finally {
                c.rollback();
                c.setAutoCommit(auto);
            }
        });
        // only the status's own rows, through its index (a backward walk, or for a rare status a bitmap of its few
        // rows and a sort of those), never the created_at index with a filter
        assertThat(plans)
                .hasSize(3)
                .allSatisfy(plan -> assertThat(plan)
                        .containsPattern("_status( on|  \\(cost)")
                        .doesNotContain("_created")
                        .doesNotContain("Seq Scan"));
        assertThat(plans.get(2)).contains("Index Scan Backward using").doesNotContain("Sort");
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
