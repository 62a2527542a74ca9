package dev.hindsight.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.orders.OrdersServer;
import dev.hindsight.orders.OrdersServer.Response;
import dev.hindsight.orders.decider.OrderDecider;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.event.OrderEvents;
import dev.hindsight.testkit.clock.SteppingClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time travel over HTTP ({@code ?version=N}, {@code ?as_of=T}) checked against two independent replays of the stored
 * events: the decider folded from the first event (no repository, no snapshots), and a minimal status/amount model
 * that reads the raw event JSON. Orders are driven by random commands (fixed seed) long enough to be snapshotted.
 */
class TimeTravelTest {
    private static final long SEED = 20_260_101L;
    private static final int ORDERS = 6;

    @TempDir
    static Path dir;

    private static OrdersServer t;
    private static final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void drive() throws InterruptedException {
        t = new OrdersServer(dir, new SteppingClock(250));
        Random random = new Random(SEED);
        for (int o = 0; o < ORDERS; o++) {
            String id = t.create("tt-" + (o % 2), "sku-" + o, 1 + random.nextInt(3), "12.50");
            ids.add(id);
            int steps = 8 + random.nextInt(20);
            for (int s = 0; s < steps; s++) {
                randomCommand(id, random);
            }
        }
        t.system.service().awaitSnapshots();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** One random command; about a third are not allowed in the order's status and must be refused unchanged. */
    private static void randomCommand(String id, Random random) {
        JsonNode now = t.get("/api/orders/" + id).json();
        String total = now.get("total_amount").toString();
        String path = "/api/orders/" + id + "/";
        Response r = switch (random.nextInt(9)) {
            case 0, 1 ->
                t.post(
                        path + "adjust",
                        "{\"items\":[{\"sku\":\"a\",\"quantity\":" + (1 + random.nextInt(9)) + ",\"unit_price\":"
                                + (1 + random.nextInt(50)) + ".25}]}");
            case 2 ->
                t.post(
                        path + "pay",
                        "{\"payment_id\":\"p" + random.nextInt(99) + "\",\"amount\":" + total
                                + ",\"payment_method\":\"card\"}");
            case 3 -> t.post(path + "ship", "{\"tracking_number\":\"T\",\"carrier\":\"DHL\"}");
            case 4 -> t.post(path + "deliver", "{}");
            case 5 -> t.post(path + "cancel", "{\"reason\":\"r\"}");
            case 6 -> t.post(path + "return", "{}");
            case 7 -> t.post(path + "refund", "{\"amount\":0.25}");
            default -> t.post(path + "refund", "{}");
        };
        assertThat(r.status()).as(r.body()).isIn(200, 422);
        if (r.status() == 422) {
            assertThat(t.get("/api/orders/" + id).json()).isEqualTo(now);
        }
    }

    @Test
    void everyVersion_equalsTheReplayOfItsPrefix() {
        long fromSnapshots = 0;
        for (String id : ids) {
            List<RecordedEvent> events = t.store.read(id).events();
            OrderState state = OrderDecider.INSTANCE.initialState();
            for (RecordedEvent e : events) {
                state = OrderDecider.INSTANCE.evolve(state, OrderEvents.REGISTRY.fromRecorded(e));
                JsonNode got =
                        t.get("/api/orders/" + id + "?version=" + e.version()).json();
                assertThat(got).as(id + " v" + e.version()).isEqualTo(json(OrderJson.state(state, e.version())));
                checkMinimalModel(got, events.subList(0, (int) e.version()));
                if (t.system.service().loadAtVersion(id, e.version()).fromSnapshot() > 0) {
                    fromSnapshots++;
                }
            }
        }
        assertThat(fromSnapshots).as("loads that started from a snapshot").isPositive();
    }

    @Test
    void asOfInstants_equalTheReplayOfEventsUpToThem_and404BeforeTheFirst() {
        Random random = new Random(SEED + 1);
        for (String id : ids) {
            List<RecordedEvent> events = t.store.read(id).events();
            Instant first = events.getFirst().timestamp();
            Instant last = events.getLast().timestamp();
            List<Instant> instants = new ArrayList<>();
            for (RecordedEvent e : events) {
                instants.add(e.timestamp());
                instants.add(e.timestamp().minusMillis(1));
            }
            for (int i = 0; i < 10; i++) {
                instants.add(first.plusMillis(
                        random.nextLong(Math.max(1, last.toEpochMilli() - first.toEpochMilli() + 500))));
            }
            for (Instant at : instants) {
                Response r = t.get("/api/orders/" + id + "?as_of=" + at);
                List<RecordedEvent> prefix =
                        events.stream().filter(e -> !e.timestamp().isAfter(at)).toList();
                if (prefix.isEmpty()) {
                    assertThat(r.status()).as(id + " @" + at).isEqualTo(404);
                    continue;
                }
                OrderState state = OrderDecider.INSTANCE.initialState();
                for (RecordedEvent e : prefix) {
                    state = OrderDecider.INSTANCE.evolve(state, OrderEvents.REGISTRY.fromRecorded(e));
                }
                assertThat(r.json())
                        .as(id + " @" + at)
                        .isEqualTo(json(OrderJson.state(state, prefix.getLast().version())));
                checkMinimalModel(r.json(), prefix);
            }
        }
    }

    /** Status, version and refunded amount from nothing but the raw event types and JSON. */
    private static void checkMinimalModel(JsonNode got, List<RecordedEvent> prefix) {
        String status = "none";
        BigDecimal paid = BigDecimal.ZERO;
        BigDecimal refunded = BigDecimal.ZERO;
        for (RecordedEvent e : prefix) {
            JsonNode data = Json.parseObject(e.eventData(), "data");
            switch (e.eventType()) {
                case "OrderCreated" -> status = "created";
                case "OrderPaid" -> {
                    status = "paid";
                    paid = data.get("amount").decimalValue();
                }
                case "OrderShipped" -> status = "shipped";
                case "OrderDelivered" -> status = "delivered";
                case "OrderCancelled" -> status = "cancelled";
                case "OrderReturned" -> status = "returned";
                case "OrderRefunded" -> {
                    refunded = refunded.add(data.get("amount").decimalValue());
                    if (refunded.compareTo(paid) >= 0) {
                        status = "refunded";
                    }
                }
                default -> {}
            }
        }
        assertThat(got.get("status").asText()).isEqualTo(status);
        assertThat(got.get("version").asLong()).isEqualTo(prefix.size());
        assertThat(got.get("refunded_amount").decimalValue()).isEqualByComparingTo(refunded);
        assertThat(got.get("updated_at").asText())
                .isEqualTo(prefix.getLast().timestamp().toString());
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return Json.mapper().readTree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
