package dev.hindsight.orders.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.SqlSession;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keyset pages on SQLite, whose query indexes do not hold the order id (SQLite sorts each group of equal
 * {@code created_at} by order id): rows of one {@code created_at}, inserted in an order unrelated to their ids (so the
 * rowid order is not the id order), more of them than a page, still come newest first, ties by order id descending in
 * SQLite's BINARY (code point of UTF-8) order, each exactly once.
 */
class OrderQueriesTiesTest {
    @TempDir
    Path dir;

    private record Session(Connection connection) implements SqlSession {
        @Override
        public String table(String logical) {
            return logical;
        }

        @Override
        public Dialect dialect() {
            return Dialect.SQLITE;
        }

        @Override
        public PreparedStatement prepare(String sql) throws SQLException {
            return connection.prepareStatement(sql);
        }
    }

    @Test
    void pagesEndingInsideAGroupOfEqualCreatedAt_coverItInOrderOnce() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rm.db"))) {
            Session s = new Session(c);
            new OrdersProjection().createTables(s);
            List<String[]> rows = new ArrayList<>(); // order id, created_at
            for (int i = 0; i < 14; i++) {
                rows.add(new String[] {"ord_%02d".formatted(i), "1000"});
            }
            rows.add(new String[] {"ord_\uFFFF", "1000"}); // UTF-8 EF BF BF
            rows.add(new String[] {"ord_\uD83D\uDE00", "1000"}); // U+1F600, UTF-8 F0 9F 98 80: sorts after U+FFFF
            for (int i = 0; i < 4; i++) {
                rows.add(new String[] {"new_" + i, "2000"});
                rows.add(new String[] {"old_" + i, "500"});
            }
            Collections.shuffle(rows, new Random(3));
            for (String[] r : rows) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (" + OrdersProjection.COLUMNS
                        + ") VALUES (?, 'u', 'created', 'USD', 100, 0, 1, ?, ?, NULL, NULL, NULL, NULL, NULL, 1)")) {
                    ps.setString(1, r[0]);
                    ps.setLong(2, Long.parseLong(r[1]));
                    ps.setLong(3, Long.parseLong(r[1]));
                    ps.executeUpdate();
                }
            }
            List<String> expected = rows.stream()
                    .sorted(Comparator.<String[]>comparingLong(r -> Long.parseLong(r[1]))
                            .thenComparing(r -> r[0], OrderQueriesTiesTest::compareCodePoints)
                            .reversed())
                    .map(r -> r[0])
                    .toList();
            assertThat(expected.subList(4, 6)).containsExactly("ord_\uD83D\uDE00", "ord_\uFFFF");
            for (int limit : new int[] {1, 3, 5, 16}) {
                List<String> got = new ArrayList<>();
                OrderQueries.Cursor cursor = null;
                do {
                    OrderQueries.Page page =
                            OrderQueries.list(s, new OrderQueries.Filter("u", null, null, null, limit, cursor));
                    assertThat(page.orders()).hasSizeLessThanOrEqualTo(limit);
                    page.orders().forEach(r -> got.add(r.orderId()));
                    cursor = page.nextCursor() == null ? null : OrderQueries.Cursor.decode(page.nextCursor());
                } while (cursor != null);
                assertThat(got).as("limit %d", limit).isEqualTo(expected);
            }
        }
    }

    /** SQLite's BINARY collation of UTF-8 text: code point order (Java's {@code compareTo} is UTF-16 unit order). */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
