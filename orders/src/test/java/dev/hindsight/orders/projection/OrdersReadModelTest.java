package dev.hindsight.orders.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.projection.ReadModelDatabase;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The read model on the embedded default, SQLite; also checks that the list queries are index range scans. */
class OrdersReadModelTest extends OrdersReadModelContract {
    @Override
    ReadModelDatabase database(Path dir) {
        return ReadModelDatabase.sqlite(dir.resolve("rm.db"));
    }

    @Test
    void queries_useTheIndexesWithoutSorting() {
        String byUser = plan("SELECT order_id FROM %s WHERE user_id = 'u' AND (created_at, order_id) < (1, 'x')"
                + " ORDER BY created_at DESC, order_id DESC LIMIT 10");
        String byStatus = plan(
                "SELECT order_id FROM %s WHERE status = 'paid' ORDER BY created_at DESC," + " order_id DESC LIMIT 10");
        String all = plan("SELECT order_id FROM %s ORDER BY created_at DESC, order_id DESC LIMIT 10");

        assertThat(byUser).contains("_user_created").doesNotContain("TEMP B-TREE");
        assertThat(byStatus).contains("_status").doesNotContain("TEMP B-TREE");
        assertThat(all).contains("_created").doesNotContain("TEMP B-TREE");
    }

    @Test
    void table_isClusteredOnOrderId_soLookupsByIdUseThePrimaryKey() {
        String ddl = engine.query("orders", s -> {
            try (Statement st = s.connection().createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT sql FROM sqlite_schema WHERE name = '" + s.table("orders") + "'")) {
                return rs.next() ? rs.getString(1) : "";
            }
        });
        assertThat(ddl).endsWith("WITHOUT ROWID");
        assertThat(plan("SELECT * FROM %s WHERE order_id = 'o-1'")).contains("USING PRIMARY KEY (order_id=?)");
        assertThat(plan("SELECT * FROM %s WHERE status = 'paid' ORDER BY created_at DESC, order_id DESC LIMIT 10"))
                .contains("_status")
                .doesNotContain("TEMP B-TREE");
    }

    private String plan(String sql) {
        return engine.query("orders", s -> {
            StringBuilder out = new StringBuilder();
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql.formatted(s.table("orders")))) {
                while (rs.next()) {
                    out.append(rs.getString(4)).append('\n');
                }
            }
            return out.toString();
        });
    }
}
