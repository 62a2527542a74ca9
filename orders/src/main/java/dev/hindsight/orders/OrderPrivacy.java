package dev.hindsight.orders;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.privacy.PersonalData;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.privacy.ShreddingSnapshotStore;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.event.OrderEvents;
import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.ReadModelDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The order system's personal data, for crypto-shredding: the subject of an order is its customer ({@code user_id});
 * personal are the customer's id and the free-text notes (every {@code reason}) of events, the acting user of
 * metadata, and the same fields of snapshot states. Forgetting a customer also erases them from the read model.
 * Stateless.
 */
public final class OrderPrivacy {
    /** Personal fields of order events. */
    public static final PersonalData PERSONAL = PersonalData.builder()
            .subject(OrderEvents.CREATED, "user_id")
            .field(OrderEvents.CREATED, "user_id")
            .field(OrderEvents.ITEMS_ADJUSTED, "reason")
            .field(OrderEvents.CANCELLED, "reason")
            .field(OrderEvents.RETURNED, "reason")
            .field(OrderEvents.REFUNDED, "reason")
            .metadataField("user_id")
            .build();

    /** Personal fields of a snapshot's {@code OrderState}; its {@code user_id} is its subject. */
    static final Set<String> STATE_FIELDS = Set.of("user_id", "cancel_reason", "return_reason");

    private OrderPrivacy() {}

    /** {@code snapshots} encrypting the states' personal fields when {@code store} shreds, else itself. */
    public static @Nullable SnapshotStore snapshots(EventStore store, @Nullable SnapshotStore snapshots) {
        Shredder shredder = store.shredder();
        if (shredder == null || snapshots == null || snapshots instanceof ShreddingSnapshotStore) {
            return snapshots;
        }
        return new ShreddingSnapshotStore(snapshots, shredder, "user_id", STATE_FIELDS);
    }

    /**
     * Replaces {@code subject} by {@value Shredder#ERASED} in every {@code user_id} column of the read model (all
     * generations of the orders table), in one transaction; on SQLite then checkpoints the WAL into the database file
     * and truncates it (with {@code secure_delete}, the old values' bytes are overwritten).
     *
     * @return rows changed
     * @throws StoreUnavailableException if the read model cannot be written
     */
    public static int eraseFromReadModel(ReadModelDatabase db, String subject) {
        try (Connection c = db.openWriter()) {
            List<String> tables = tablesWithUserId(c, db.dialect());
            int[] changed = {0};
            ReadModelDatabase.inTransaction(c, () -> {
                for (String t : tables) {
                    try (PreparedStatement ps =
                            c.prepareStatement("UPDATE " + quote(t) + " SET user_id = ? WHERE user_id = ?")) {
                        ps.setString(1, Shredder.ERASED);
                        ps.setString(2, subject);
                        changed[0] += ps.executeUpdate();
                    }
                }
            });
            if (db.dialect() == Dialect.SQLITE) {
                try (Statement st = c.createStatement()) {
                    st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
            }
            return changed[0];
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot erase a subject from the read model: " + e.getMessage(), e);
        }
    }

    private static List<String> tablesWithUserId(Connection c, Dialect dialect) throws SQLException {
        List<String> out = new ArrayList<>();
        if (dialect == Dialect.SQLITE) {
            List<String> tables = new ArrayList<>();
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("PRAGMA table_info(" + quote(t) + ")")) {
                    while (rs.next()) {
                        if ("user_id".equalsIgnoreCase(rs.getString("name"))) {
                            out.add(t);
                        }
                    }
                }
            }
            return out;
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.columns"
                        + " WHERE table_schema = current_schema() AND column_name = 'user_id'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
