package dev.hindsight.projection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

/**
 * Test projection whose handlers are NOT idempotent ({@code qty = qty + n}), so applying an event twice shows. An
 * event with {@code "poison": true} makes the handler throw.
 */
final class CartProjection implements Projection {
    private final String name;
    private final String items;
    private final String carts;

    /** Tables are {@code <name>_items} and {@code <name>_carts}. */
    CartProjection(String name) {
        this.name = name;
        this.items = name + "_items";
        this.carts = name + "_carts";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> tables() {
        return List.of(items, carts);
    }

    @Override
    public Set<String> eventTypes() {
        return Set.of("ItemAdded");
    }

    @Override
    public void createTables(SqlSession s) throws SQLException {
        try (Statement st = s.connection().createStatement()) {
            st.execute("CREATE TABLE " + s.table(items) + " (cart_id TEXT NOT NULL, sku TEXT NOT NULL,"
                    + " qty BIGINT NOT NULL, PRIMARY KEY (cart_id, sku))");
            st.execute("CREATE TABLE " + s.table(carts) + " (cart_id TEXT PRIMARY KEY, lines BIGINT NOT NULL)");
        }
    }

    @Override
    public void apply(RecordedEvent e, SqlSession s) throws SQLException {
        ObjectNode d = Json.parseObject(e.eventData(), "event_data");
        if (d.path("poison").asBoolean(false)) {
            throw new IllegalStateException("poison pill at " + e.position());
        }
        try (PreparedStatement ps = s.connection()
                .prepareStatement("INSERT INTO " + s.table(items)
                        + " (cart_id, sku, qty) VALUES (?, ?, ?) ON CONFLICT (cart_id, sku) DO UPDATE SET qty = "
                        + s.table(items) + ".qty + excluded.qty")) {
            ps.setString(1, e.aggregateId());
            ps.setString(2, d.get("sku").asText());
            ps.setLong(3, d.get("qty").asLong());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = s.connection()
                .prepareStatement("INSERT INTO " + s.table(carts)
                        + " (cart_id, lines) VALUES (?, 1) ON CONFLICT (cart_id) DO UPDATE SET lines = "
                        + s.table(carts) + ".lines + 1")) {
            ps.setString(1, e.aggregateId());
            ps.executeUpdate();
        }
    }
}
