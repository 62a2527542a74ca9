package dev.hindsight.orders.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.projection.ReadModelDatabase;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The read model on the embedded default, SQLite; also checks that the list queries are index range scans. */
class OrdersReadModelTest extends OrdersReadModelContract {
    @Override
    ReadModelDatabase database(Path dir) {
        return ReadModelDatabase.sqlite(dir.resolve("rm.db"));
    }

    @Test
    void queries_useTheIndexes_sortingOnlyTiesOfCreatedAt() {
        String byUser = plan("SELECT order_id FROM %s WHERE user_id = 'u' AND (created_at, order_id) < (1, 'x')"
                + " ORDER BY created_at DESC, order_id DESC LIMIT 10");
        String byStatus = plan("SELECT order_id FROM %s WHERE status = 'paid' AND (created_at, order_id) < (1, 'x')"
                + " ORDER BY created_at DESC, order_id DESC LIMIT 10");
        String all = plan("SELECT order_id FROM %s ORDER BY created_at DESC, order_id DESC LIMIT 10");

        assertThat(byUser).contains("_user_created (user_id=? AND created_at<?)");
        assertThat(byStatus).contains("_status (status=? AND created_at<?)");
        assertThat(all).contains("_created");
        for (String plan : new String[] {byUser, byStatus, all}) {
            assertThat(plan).doesNotContain("TEMP B-TREE FOR ORDER BY"); // at most "FOR RIGHT PART OF ORDER BY"
        }
    }

    @Test
    void queryIndexes_endWithTheRowid_notTheOrderId_andLookupsByIdUseThePrimaryKey() {
        String ddl = engine.query("orders", s -> {
            try (Statement st = s.connection().createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT sql FROM sqlite_schema WHERE name = '" + s.table("orders") + "'")) {
                return rs.next() ? rs.getString(1) : "";
            }
        });
        assertThat(ddl).doesNotContain("WITHOUT ROWID");
        assertThat(indexColumns("_user_created")).containsExactly("user_id", "created_at");
        assertThat(indexColumns("_status")).containsExactly("status", "created_at");
        assertThat(indexColumns("_created")).containsExactly("created_at");
        assertThat(plan("SELECT * FROM %s WHERE order_id = 'o-1'")).contains("(order_id=?)");
    }

    private List<String> indexColumns(String suffix) {
        return engine.query("orders", s -> {
            List<String> out = new ArrayList<>();
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("PRAGMA index_info(" + s.table("orders") + suffix + ")")) {
                while (rs.next()) {
                    out.add(rs.getString("name"));
                }
            }
            return out;
        });
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
