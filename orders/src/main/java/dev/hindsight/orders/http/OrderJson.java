package dev.hindsight.orders.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.projection.OrderQueries;
import dev.hindsight.orders.projection.OrderRow;
import dev.hindsight.projection.ProjectionStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Writes the order API's JSON with Jackson's streaming generator; stored event data is embedded raw. Stateless. */
final class OrderJson {
    private OrderJson() {}

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The write-side state of an order at {@code version}. */
    static byte[] state(OrderState s, long version) {
        return write(g -> {
            String c = s.currency();
            g.writeStartObject();
            g.writeStringField("order_id", s.orderId());
            g.writeStringField("user_id", s.userId());
            g.writeStringField("status", s.status().wire());
            g.writeArrayFieldStart("items");
            for (LineItem i : s.items()) {
                g.writeStartObject();
                g.writeStringField("sku", i.sku());
                g.writeNumberField("quantity", i.quantity());
                amount(g, "unit_price", i.unitPrice(), c);
                amount(g, "line_total", i.lineTotal(), c);
                g.writeEndObject();
            }
            g.writeEndArray();
            amount(g, "total_amount", s.totalAmount(), c);
            g.writeStringField("currency", c);
            amount(g, "refunded_amount", s.refundedAmount(), c);
            text(g, "payment_id", s.paymentId());
            text(g, "payment_method", s.paymentMethod());
            text(g, "tracking_number", s.trackingNumber());
            text(g, "carrier", s.carrier());
            text(g, "cancel_reason", s.cancelReason());
            text(g, "return_reason", s.returnReason());
            instant(g, "created_at", s.createdAt());
            instant(g, "paid_at", s.paidAt());
            instant(g, "shipped_at", s.shippedAt());
            instant(g, "delivered_at", s.deliveredAt());
            instant(g, "cancelled_at", s.cancelledAt());
            instant(g, "returned_at", s.returnedAt());
            instant(g, "refunded_at", s.refundedAt());
            instant(g, "updated_at", s.updatedAt());
            g.writeNumberField("version", version);
            g.writeEndObject();
        });
    }

    /** The audit trail: every event with who, when, under which correlation, and its data. */
    static byte[] history(String orderId, List<RecordedEvent> events) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("order_id", orderId);
            g.writeNumberField(
                    "version", events.isEmpty() ? 0 : events.getLast().version());
            g.writeArrayFieldStart("events");
            for (RecordedEvent e : events) {
                JsonNode meta = Json.parseObject(e.metadata(), "metadata");
                g.writeStartObject();
                g.writeStringField("event_id", e.eventId().toString());
                g.writeStringField("event_type", e.eventType());
                g.writeNumberField("schema_version", e.schemaVersion());
                g.writeNumberField("version", e.version());
                g.writeStringField("position", e.position().toString());
                g.writeStringField("timestamp", e.timestamp().toString());
                g.writeStringField("recorded_at", e.recordedAt().toString());
                text(g, "user_id", meta.path("user_id").textValue());
                text(g, "correlation_id", meta.path("correlation_id").textValue());
                g.writeFieldName("data");
                g.writeRawValue(e.eventData());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** A page of read-model rows. */
    static byte[] page(OrderQueries.Page page) {
        return write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("orders");
            for (OrderRow r : page.orders()) {
                row(g, r);
            }
            g.writeEndArray();
            text(g, "next_cursor", page.nextCursor());
            g.writeEndObject();
        });
    }

    private static void row(JsonGenerator g, OrderRow r) throws IOException {
        g.writeStartObject();
        g.writeStringField("order_id", r.orderId());
        g.writeStringField("user_id", r.userId());
        g.writeStringField("status", r.status());
        amount(g, "total_amount", r.totalAmount(), r.currency());
        g.writeStringField("currency", r.currency());
        amount(g, "refunded_amount", r.refundedAmount(), r.currency());
        g.writeNumberField("item_count", r.itemCount());
        instant(g, "created_at", r.createdAt());
        instant(g, "updated_at", r.updatedAt());
        instant(g, "paid_at", r.paidAt());
        instant(g, "shipped_at", r.shippedAt());
        instant(g, "delivered_at", r.deliveredAt());
        instant(g, "cancelled_at", r.cancelledAt());
        instant(g, "returned_at", r.returnedAt());
        g.writeNumberField("version", r.version());
        g.writeEndObject();
    }

    /** Status and lag of every projection. */
    static byte[] projections(List<ProjectionStatus> all) {
        return write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("projections");
            for (ProjectionStatus p : all) {
                g.writeStartObject();
                g.writeStringField("name", p.name());
                g.writeStringField("state", p.state());
                g.writeStringField("mode", p.mode());
                g.writeNumberField("generation", p.generation());
                g.writeStringField("position", p.position());
                g.writeStringField("head", p.head());
                g.writeNumberField("lag_events", p.lagEvents());
                g.writeNumberField("lag_ms", p.lagMillis());
                g.writeNumberField("events_per_second", Math.round(p.eventsPerSecond() * 10) / 10.0);
                g.writeNumberField("dead_letters", p.deadLetters());
                text(g, "last_error", p.lastError());
                text(g, "failed_position", p.failedPosition());
                text(g, "rebuild_position", p.rebuildPosition());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void amount(JsonGenerator g, String field, long minor, String currency) throws IOException {
        BigDecimal d = currency.isEmpty() ? BigDecimal.valueOf(minor) : Money.decimal(minor, currency);
        g.writeFieldName(field);
        g.writeNumber(d);
    }

    private static void text(JsonGenerator g, String field, @Nullable String value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }

    private static void instant(JsonGenerator g, String field, @Nullable Instant value) throws IOException {
        text(g, field, value == null ? null : value.toString());
    }
}
