package dev.hindsight.projection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

/**
 * Test projection that writes through {@link SqlSession#prepare} (so its updates are batched by the runner) and reads
 * in the same handler: per {@code ItemAdded} it adds {@code qty} to its cart's row (not idempotent), then reads the
 * sum of all rows twice — through a prepared statement and through the raw connection — and records what it saw and
 * what {@code executeUpdate} returned in {@code <name>_seen}. An event with {@code "poison": true} throws after the
 * write. Tables {@code <name>_rows} (indexed by {@code n}: deferrable) and {@code <name>_seen}.
 */
final class LedgerProjection implements Projection {
    private final String name;
    private final String rows;
    private final String seen;

    LedgerProjection(String name) {
        this.name = name;
        this.rows = name + "_rows";
        this.seen = name + "_seen";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> tables() {
        return List.of(rows, seen);
    }

    @Override
    public Set<String> eventTypes() {
        return Set.of("ItemAdded");
    }

    @Override
    public boolean deferIndexes() {
        return true;
    }

    @Override
    public void createTables(SqlSession s) throws SQLException {
        try (Statement st = s.connection().createStatement()) {
            st.execute("CREATE TABLE " + s.table(rows) + " (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
            st.execute("CREATE INDEX " + s.table(rows) + "_n ON " + s.table(rows) + " (n)");
            st.execute("CREATE TABLE " + s.table(seen) + " (pos BIGINT PRIMARY KEY, total BIGINT NOT NULL,"
                    + " total_raw BIGINT NOT NULL, update_result BIGINT NOT NULL)");
        }
    }

    @Override
    public void apply(RecordedEvent e, SqlSession s) throws SQLException {
        ObjectNode d = Json.parseObject(e.eventData(), "event_data");
        String t = s.table(rows);
        PreparedStatement add = s.prepare("INSERT INTO " + t + " (id, n) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET"
                + " n = " + t + ".n + excluded.n");
        add.setString(1, e.aggregateId());
        add.setLong(2, d.get("qty").asLong());
        int result = add.executeUpdate();
        if (d.path("poison").asBoolean(false)) {
            throw new IllegalStateException("poison pill at " + e.position());
        }
        long total;
        try (ResultSet rs = s.prepare("SELECT COALESCE(SUM(n), 0) FROM " + t).executeQuery()) {
            rs.next();
            total = rs.getLong(1);
        }
        long totalRaw;
        try (Statement st = s.connection().createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(n), 0) FROM " + t)) {
            rs.next();
            totalRaw = rs.getLong(1);
        }
        PreparedStatement rec = s.prepare(
                "INSERT INTO " + s.table(seen) + " (pos, total, total_raw, update_result) VALUES (?, ?, ?, ?)");
        rec.setLong(1, ((Position.Sequence) e.position()).value());
        rec.setLong(2, total);
        rec.setLong(3, totalRaw);
        rec.setLong(4, result);
        rec.executeUpdate();
    }
}
