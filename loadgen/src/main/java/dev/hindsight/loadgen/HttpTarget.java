package dev.hindsight.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ReturnOrder;
import dev.hindsight.orders.command.ShipOrder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A running server, driven over its HTTP API: commands are {@code POST /api/orders...} with {@code X-User-Id} and
 * {@code X-Correlation-Id}. The server's clock stamps the events (simulated timestamps need the embedded target).
 * The read model is observed through the API only (lag from {@code /api/projections}, read-your-writes with
 * {@code min_position}); its rows cannot be counted from here. Thread-safe.
 */
final class HttpTarget implements Target {
    private static final String[] STATUSES = {
        "created", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"
    };

    private final HttpJson http;

    HttpTarget(URI url, HttpAccess access) {
        this.http = new HttpJson(url, access);
    }

    @Override
    public String describe() {
        return "server " + http.base() + " (HTTP)";
    }

    @Override
    public Outcome execute(
            OrderRun order, Verb verb, Function<Instant, OrderCommand> command, String actor, String correlationId) {
        String code = order.currency().getCurrencyCode();
        ObjectNode body = Json.mapper().createObjectNode();
        String path = "/api/orders/" + order.orderId() + "/" + verb.wire();
        switch (command.apply(Instant.EPOCH)) {
            case CreateOrder c -> {
                path = "/api/orders";
                body.put("user_id", c.userId());
                body.put("currency", code);
                items(body, c.items(), code);
            }
            case AdjustItems a -> items(body, a.items(), code);
            case PayOrder p -> {
                body.put("payment_id", p.paymentId());
                body.put("amount", p.amount());
                body.put("payment_method", p.paymentMethod());
            }
            case ShipOrder s -> {
                body.put("tracking_number", s.trackingNumber());
                body.put("carrier", s.carrier());
            }
            case DeliverOrder d -> {}
            case CancelOrder c -> body.put("reason", c.reason());
            case ReturnOrder r -> body.put("reason", r.reason());
            case RefundOrder r -> {
                body.put("refund_id", r.refundId());
                if (r.amount() != null) {
                    body.put("amount", r.amount());
                }
            }
        }
        HttpJson.Response r =
                http.post(path, Json.write(body), Map.of("X-User-Id", actor, "X-Correlation-Id", correlationId));
        if (!r.ok()) {
            throw new IllegalStateException(verb.wire() + " answered HTTP " + r.status() + ": " + r.body());
        }
        JsonNode state = r.json();
        return new Outcome(
                state.path("order_id").asText(), state.path("version").asLong(), r.position());
    }

    private static void items(ObjectNode body, List<LineItem> items, String currency) {
        ArrayNode arr = body.putArray("items");
        for (LineItem i : items) {
            arr.addObject()
                    .put("sku", i.sku())
                    .put("quantity", i.quantity())
                    .put("unit_price", Money.decimal(i.unitPrice(), currency));
        }
    }

    @Override
    public boolean observeCommits(CommitStats stats) {
        return false;
    }

    @Override
    public URI httpEndpoint() {
        return http.base();
    }

    /** Read-your-writes: {@code GET /api/orders?min_position=}, retried while the server says it is behind. */
    @Override
    public boolean awaitReadModel(String position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (http.get("/api/orders?limit=1&min_position=" + position).ok()) {
                return true;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return false;
    }

    @Override
    public OptionalLong statusLagMillis() {
        HttpJson.Response r = http.get("/api/projections");
        if (!r.ok()) {
            return OptionalLong.empty();
        }
        for (JsonNode p : r.json().path("projections")) {
            if ("orders".equals(p.path("name").asText())) {
                return OptionalLong.of(p.path("lag_ms").asLong());
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public String head() {
        HttpJson.Response r = http.get("/health");
        if (!r.ok()) {
            throw new IllegalStateException("GET /health answered HTTP " + r.status() + ": " + r.body());
        }
        return r.json().path("head").asText();
    }

    /** Events as the server counts them ({@code GET /api/storage}), -1 if it cannot tell. */
    @Override
    public long eventCount() {
        JsonNode storage = storage();
        return storage == null || !storage.path("events").isIntegralNumber()
                ? -1
                : storage.path("events").asLong();
    }

    /** Bytes on disk as the server measures them ({@code GET /api/storage}), {@code null} if any part is unknown. */
    @Override
    public @Nullable DiskUsage diskUsage() {
        JsonNode storage = storage();
        if (storage == null) {
            return null;
        }
        JsonNode b = storage.path("bytes_on_disk");
        for (String part : List.of("log", "snapshots", "read_model")) {
            if (!b.path(part).isIntegralNumber()) {
                return null;
            }
        }
        return new DiskUsage(
                b.path("log").asLong(),
                b.path("snapshots").asLong(),
                b.path("read_model").asLong(),
                0,
                false);
    }

    private @Nullable JsonNode storage() {
        HttpJson.Response r = http.get("/api/storage");
        return r.ok() ? r.json() : null;
    }

    /**
     * The last event's timestamp, where positions are event numbers (file and in-memory engines: the event before the
     * head); {@code null} on other engines, whose events the server stamps with its own clock anyway.
     */
    @Override
    public @Nullable Instant lastEventTimestamp() {
        JsonNode storage = storage();
        String engine = storage == null ? "" : storage.path("engine").asText();
        if (!engine.equals("file") && !engine.equals("memory")) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(head());
        } catch (NumberFormatException e) {
            return null;
        }
        if (n <= 0) {
            return null;
        }
        HttpJson.Response r = http.get("/api/events?limit=1&after=" + (n - 1));
        JsonNode events = r.ok() ? r.json().path("events") : null;
        if (events == null || events.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(
                    events.get(0).path("metadata").path("timestamp").asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public long readModelRows() {
        return -1;
    }

    /** The newest orders overall and per status (the API has no random sample), shuffled. */
    @Override
    public List<OrderRef> sampleOrders(int n) {
        Map<String, OrderRef> found = new LinkedHashMap<>();
        collect(found, "/api/orders?limit=1000");
        for (String s : STATUSES) {
            collect(found, "/api/orders?limit=200&status=" + s);
        }
        List<OrderRef> out = new ArrayList<>(found.values());
        Collections.shuffle(out, new Random(42));
        return out.subList(0, Math.min(n, out.size()));
    }

    private void collect(Map<String, OrderRef> into, String query) {
        HttpJson.Response r = http.get(query);
        if (r.ok()) {
            for (JsonNode o : r.json().path("orders")) {
                String id = o.path("order_id").asText();
                into.put(id, new OrderRef(id, o.path("user_id").asText()));
            }
        }
    }

    @Override
    public long loadVersion(String orderId) {
        HttpJson.Response r = http.get("/api/orders/" + orderId);
        if (r.status() == 404) {
            return 0;
        }
        if (!r.ok()) {
            throw new IllegalStateException("GET /api/orders/" + orderId + " answered HTTP " + r.status());
        }
        return r.json().path("version").asLong();
    }

    @Override
    public long readModelVersion(String orderId) {
        return -1;
    }

    @Override
    public void close() {
        // nothing held but idle connections
    }
}
