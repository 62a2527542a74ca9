package dev.hindsight.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.orders.OrdersServer;
import dev.hindsight.orders.OrdersServer.Response;
import dev.hindsight.testkit.clock.SteppingClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The order API over real HTTP on the embedded default: every status code, headers and the audit trail. */
class OrdersApiTest {
    @TempDir
    static Path dir;

    private static OrdersServer t;

    @BeforeAll
    static void start() {
        t = new OrdersServer(dir, new SteppingClock(1000));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String createBody(String currency, String price) {
        return "{\"user_id\":\"u1\",\"currency\":\"" + currency + "\",\"items\":[{\"sku\":\"book\",\"quantity\":2,"
                + "\"unit_price\":" + price + "}]}";
    }

    private String paid(String id) {
        Response r = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p1\",\"amount\":30.00," + "\"payment_method\":\"card\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return id;
    }

    private Response ship(String id) {
        return t.post("/api/orders/" + id + "/ship", "{\"tracking_number\":\"T1\",\"carrier\":\"UPS\"}");
    }

    @Test
    void create_201WithStateLocationPositionAndCorrelation() {
        Response r = t.post(
                "/api/orders",
                "{\"user_id\":\"user_789\",\"currency\":\"USD\",\"items\":["
                        + "{\"sku\":\"book\",\"quantity\":2,\"unit_price\":19.99},{\"sku\":\"pen\",\"quantity\":1,"
                        + "\"unit_price\":1.5}]}");

        assertThat(r.status()).isEqualTo(201);
        JsonNode o = r.json();
        String id = o.get("order_id").asText();
        assertThat(id).startsWith("ord_");
        assertThat(o.get("status").asText()).isEqualTo("created");
        assertThat(o.get("version").asLong()).isEqualTo(1);
        assertThat(o.get("user_id").asText()).isEqualTo("user_789");
        assertThat(o.get("currency").asText()).isEqualTo("USD");
        assertThat(o.get("total_amount").toString()).isEqualTo("41.48");
        assertThat(o.get("items").get(1).get("unit_price").toString()).isEqualTo("1.50");
        assertThat(o.get("items").get(0).get("line_total").toString()).isEqualTo("39.98");
        assertThat(o.get("created_at").asText()).endsWith("Z");
        assertThat(o.get("paid_at").isNull()).isTrue();
        assertThat(r.header("Location")).isEqualTo("/api/orders/" + id);
        assertThat(r.header("Consistency-Position")).matches("\\d+");
        assertThat(r.header("X-Correlation-Id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void amounts_useTheCurrencysScale() {
        assertThat(t.post("/api/orders", createBody("JPY", "1500"))
                        .json()
                        .get("total_amount")
                        .toString())
                .isEqualTo("3000");
        assertThat(t.post("/api/orders", createBody("BHD", "1.234"))
                        .json()
                        .get("total_amount")
                        .toString())
                .isEqualTo("2.468");
        assertThat(t.post("/api/orders", createBody("USD", "15"))
                        .json()
                        .get("total_amount")
                        .toString())
                .isEqualTo("30.00");
        assertThat(t.post("/api/orders", createBody("USD", "1.230")).status()).isEqualTo(201);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "[]",
                "{\"user_id\":\"u\",\"currency\":\"USD\"}",
                "{\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[]}",
                "{\"user_id\":\"u\",\"currency\":\"usd\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"ZZZ\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1.234}]}",
                "{\"user_id\":\"u\",\"currency\":\"JPY\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1.5}]}",
                "{\"user_id\":\"u\",\"currency\":\"BHD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1.2345}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":-1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":\"1\"}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":0,\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1.5,\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1e30}]}",
                // a billion decimals: refused with a short message, not written out in full (500 out of memory)
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1e-999999999}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":-1e999999999}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1,\"x\":1}]}",
                "{\"user_id\":\"u\",\"user_id\":\"v\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,"
                        + "\"unit_price\":1}]}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1}],"
                        + "\"total\":1}",
                "{\"user_id\":\"u\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":1}]} x"
            })
    void create_malformed_400(String body) {
        Response r = t.post("/api/orders", body);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
        assertThat(r.json().get("message").asText()).isNotBlank();
    }

    @Test
    void lifecycle_everyCommand200WithNewStateAndIncreasingPositions() {
        String id = t.create("u2", "lamp", 3, "10.00");
        List<Long> positions = new ArrayList<>();
        Response pay = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"pay_1\",\"amount\":30,"
                        + "\"payment_method\":\"credit_card\",\"currency\":\"USD\"}");
        Response ship = ship(id);
        Response deliver = t.post("/api/orders/" + id + "/deliver", "{}");
        Response ret = t.post("/api/orders/" + id + "/return", "{\"reason\":\"broken\"}");
        Response refund = t.post("/api/orders/" + id + "/refund", "{\"amount\":10.00}");
        Response rest = t.post("/api/orders/" + id + "/refund", "");
        for (Response r : List.of(pay, ship, deliver, ret, refund, rest)) {
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            positions.add(Long.parseLong(r.header("Consistency-Position")));
        }

        assertThat(positions).isSorted().doesNotHaveDuplicates();
        assertThat(pay.json().get("status").asText()).isEqualTo("paid");
        assertThat(pay.json().get("payment_id").asText()).isEqualTo("pay_1");
        assertThat(ship.json().get("tracking_number").asText()).isEqualTo("T1");
        assertThat(deliver.json().get("status").asText()).isEqualTo("delivered");
        assertThat(ret.json().get("return_reason").asText()).isEqualTo("broken");
        assertThat(refund.json().get("status").asText()).isEqualTo("returned");
        assertThat(refund.json().get("refunded_amount").toString()).isEqualTo("10.00");
        JsonNode done = rest.json();
        assertThat(done.get("status").asText()).isEqualTo("refunded");
        assertThat(done.get("refunded_amount").toString()).isEqualTo("30.00");
        assertThat(done.get("version").asLong()).isEqualTo(7);
        assertThat(t.get("/api/orders/" + id).json()).isEqualTo(done);
    }

    @Test
    void adjust_correctsAnUnpaidOrder_thenPaymentMustMatchTheNewTotal() {
        String id = t.create("u3", "cup", 1, "5.00");
        Response adj = t.post(
                "/api/orders/" + id + "/adjust",
                "{\"items\":[{\"sku\":\"cup\",\"quantity\":4," + "\"unit_price\":5}],\"reason\":\"customer called\"}");

        assertThat(adj.status()).as(adj.body()).isEqualTo(200);
        assertThat(adj.json().get("total_amount").toString()).isEqualTo("20.00");
        assertThat(t.post(
                                "/api/orders/" + id + "/pay",
                                "{\"payment_id\":\"p\",\"amount\":5.00," + "\"payment_method\":\"card\"}")
                        .error())
                .isEqualTo("amount_mismatch");
        paidWith(id, "20.00");
        Response late = t.post(
                "/api/orders/" + id + "/adjust",
                "{\"items\":[{\"sku\":\"cup\",\"quantity\":1," + "\"unit_price\":5}]}");
        assertThat(late.status()).isEqualTo(422);
        assertThat(late.error()).isEqualTo("invalid_transition");
    }

    private void paidWith(String id, String amount) {
        Response r = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p\",\"amount\":" + amount + ",\"payment_method\":\"card\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void lifecycleViolations_422InvalidTransition() {
        String payTwice = paid(t.create("u4", "book", 2, "15.00"));
        String unpaid = t.create("u4", "book", 2, "15.00");
        String cancelled = t.create("u4", "book", 2, "15.00");
        assertThat(t.post("/api/orders/" + cancelled + "/cancel", "{\"reason\":\"changed mind\"}")
                        .status())
                .isEqualTo(200);
        String undelivered = paid(t.create("u4", "book", 2, "15.00"));
        assertThat(ship(undelivered).status()).isEqualTo(200);

        List<Response> violations = List.of(
                t.post(
                        "/api/orders/" + payTwice + "/pay",
                        "{\"payment_id\":\"p2\",\"amount\":30.00," + "\"payment_method\":\"card\"}"),
                ship(unpaid),
                t.post("/api/orders/" + cancelled + "/deliver", "{}"),
                t.post("/api/orders/" + undelivered + "/return", "{\"reason\":\"x\"}"),
                t.post("/api/orders/" + undelivered + "/cancel", "{}"),
                t.post("/api/orders/" + unpaid + "/refund", "{}"),
                t.post("/api/orders/" + cancelled + "/refund", "{}"));

        for (Response r : violations) {
            assertThat(r.status()).as(r.body()).isEqualTo(422);
            assertThat(r.error()).isEqualTo("invalid_transition");
        }
        assertThat(violations.getFirst().json().get("message").asText()).contains("pay", "paid");
        assertThat(t.get("/api/orders/" + undelivered).json().get("version").asLong())
                .isEqualTo(3);
    }

    @Test
    void wrongAmounts_422AmountMismatch_tooManyDecimals400() {
        String id = t.create("u5", "book", 2, "15.00");
        Response wrong = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p\",\"amount\":29.99," + "\"payment_method\":\"card\"}");
        Response otherCurrency = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p\",\"amount\":30.00," + "\"payment_method\":\"card\",\"currency\":\"EUR\"}");
        Response decimals = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p\",\"amount\":30.001," + "\"payment_method\":\"card\"}");
        paid(id);
        t.post("/api/orders/" + id + "/cancel", "{}");
        Response tooMuch = t.post("/api/orders/" + id + "/refund", "{\"amount\":30.01}");

        assertThat(List.of(wrong, otherCurrency, tooMuch)).allSatisfy(r -> {
            assertThat(r.status()).as(r.body()).isEqualTo(422);
            assertThat(r.error()).isEqualTo("amount_mismatch");
        });
        assertThat(wrong.json().get("message").asText()).contains("29.99 USD", "30.00 USD");
        assertThat(decimals.status()).isEqualTo(400);
        assertThat(decimals.error()).isEqualTo("invalid_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pay", "ship", "deliver", "cancel", "return", "refund", "adjust"})
    void commandOnUnknownOrder_404(String command) {
        Response r = t.post("/api/orders/ord_nobody/" + command, "{}");
        Response withVersion = t.post("/api/orders/ord_nobody/" + command, "{}", Map.of("Expected-Version", "3"));

        assertThat(r.status()).as(r.body()).isIn(404, 400);
        if (r.status() == 400) {
            // Commands with required fields check the body first; with a valid body the answer is 404.
            assertThat(command).isIn("pay", "ship", "adjust");
        } else {
            assertThat(r.error()).isEqualTo("not_found");
            assertThat(withVersion.status()).isEqualTo(404);
        }
    }

    @Test
    void unknownOrder_404OnEveryRead() {
        assertThat(t.post(
                                "/api/orders/ord_nobody/pay",
                                "{\"payment_id\":\"p\",\"amount\":1," + "\"payment_method\":\"card\"}")
                        .status())
                .isEqualTo(404);
        assertThat(t.post(
                                "/api/orders/ord_nobody/adjust",
                                "{\"items\":[{\"sku\":\"a\",\"quantity\":1," + "\"unit_price\":1}]}")
                        .status())
                .isEqualTo(404);
        for (String path : List.of(
                "/api/orders/ord_nobody",
                "/api/orders/ord_nobody/history",
                "/api/orders/ord_nobody?version=1",
                "/api/orders/ord_nobody?as_of=2030-01-01T00:00:00Z")) {
            Response r = t.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.error()).isEqualTo("not_found");
        }
    }

    @Test
    void expectedVersion_matching200_stale409_malformed400() {
        String id = t.create("u6", "book", 2, "15.00");
        Response stale = t.post("/api/orders/" + id + "/cancel", "{}", Map.of("Expected-Version", "2"));
        Response malformed = t.post("/api/orders/" + id + "/cancel", "{}", Map.of("Expected-Version", "soon"));
        Response ok = t.post("/api/orders/" + id + "/cancel", "{}", Map.of("Expected-Version", "1"));

        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.error()).isEqualTo("wrong_expected_version");
        assertThat(stale.json().get("actual").asLong()).isEqualTo(1);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("version").asLong()).isEqualTo(2);
    }

    @Test
    void history_everyEventWithWhoWhenCorrelationAndData() {
        Response created = t.post(
                "/api/orders",
                createBody("USD", "15.00"),
                Map.of("X-User-Id", "clerk-7", "X-Correlation-Id", "req-abc"));
        String id = created.json().get("order_id").asText();
        Response pay = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"pay_xyz\",\"amount\":30.00," + "\"payment_method\":\"credit_card\"}");
        ship(id);

        Response h = t.get("/api/orders/" + id + "/history");

        assertThat(h.status()).isEqualTo(200);
        JsonNode events = h.json().get("events");
        assertThat(h.json().get("version").asLong()).isEqualTo(3);
        assertThat(events)
                .extracting(e -> e.get("event_type").asText())
                .containsExactly("OrderCreated", "OrderPaid", "OrderShipped");
        assertThat(events).extracting(e -> e.get("version").asLong()).containsExactly(1L, 2L, 3L);
        JsonNode first = events.get(0);
        assertThat(first.get("user_id").asText()).isEqualTo("clerk-7");
        assertThat(first.get("correlation_id").asText()).isEqualTo("req-abc");
        assertThat(first.get("position").asText()).isEqualTo(created.header("Consistency-Position"));
        assertThat(first.get("data").get("total_amount").toString()).isEqualTo("30.00");
        assertThat(first.get("data").get("user_id").asText()).isEqualTo("u1");
        assertThat(first.get("timestamp").asText())
                .isEqualTo(created.json().get("created_at").asText());
        JsonNode paid = events.get(1);
        assertThat(paid.get("user_id").isNull()).isTrue();
        assertThat(paid.get("correlation_id").asText()).isEqualTo(pay.header("X-Correlation-Id"));
        assertThat(paid.get("data").get("amount").toString()).isEqualTo("30.00");
        assertThat(paid.get("data").get("payment_id").asText()).isEqualTo("pay_xyz");
        assertThat(paid.get("timestamp").asText())
                .isEqualTo(pay.json().get("paid_at").asText());
        assertThat(events.get(2).get("event_id").asText()).matches("[0-9a-f-]{36}");
    }

    @Test
    void concurrentCommandsOnOneOrder_noneLost_timestampsNeverDecrease() throws Exception {
        String id = t.create("u8", "cup", 1, "1.00");
        int writers = 8;
        List<Thread> threads = new ArrayList<>();
        List<Response> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < writers; i++) {
            int qty = i + 1;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answers.add(t.post(
                        "/api/orders/" + id + "/adjust",
                        "{\"items\":[{\"sku\":\"cup\",\"quantity\":" + qty + ",\"unit_price\":1}]}"));
            }));
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }

        assertThat(answers)
                .hasSize(writers)
                .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
        JsonNode events = t.get("/api/orders/" + id + "/history").json().get("events");
        assertThat(events).hasSize(writers + 1);
        List<String> stamps = new ArrayList<>();
        events.forEach(e -> stamps.add(e.get("timestamp").asText()));
        assertThat(stamps.stream().map(java.time.Instant::parse).toList()).isSorted();
        events.forEach(e -> assertThat(e.get("timestamp").asText())
                .isIn(
                        e.get("data").path("adjusted_at").asText(),
                        e.get("data").path("created_at").asText()));
    }

    @Test
    void headers_overLongOrControlCharacters_400() {
        Response longUser = t.post("/api/orders", createBody("USD", "1"), Map.of("X-User-Id", "u".repeat(201)));

        assertThat(longUser.status()).isEqualTo(400);
        assertThat(longUser.json().get("message").asText()).contains("X-User-Id");
    }

    @Test
    void get_versionAndAsOf_timeTravel() {
        String id = paid(t.create("u7", "book", 2, "15.00"));
        JsonNode now = t.get("/api/orders/" + id).json();
        String paidAt = now.get("paid_at").asText();
        String createdAt = now.get("created_at").asText();

        assertThat(t.get("/api/orders/" + id + "?version=1")
                        .json()
                        .get("status")
                        .asText())
                .isEqualTo("created");
        assertThat(t.get("/api/orders/" + id + "?version=2").json()).isEqualTo(now);
        assertThat(t.get("/api/orders/" + id + "?as_of=" + paidAt).json()).isEqualTo(now);
        JsonNode before = t.get("/api/orders/" + id + "?as_of="
                        + java.time.Instant.parse(paidAt).minusMillis(1))
                .json();
        assertThat(before.get("status").asText()).isEqualTo("created");
        assertThat(before.get("version").asLong()).isEqualTo(1);
        Response tooEarly = t.get("/api/orders/" + id + "?as_of="
                + java.time.Instant.parse(createdAt).minusMillis(1));
        assertThat(tooEarly.status()).isEqualTo(404);
        assertThat(tooEarly.json().get("message").asText()).contains("did not exist");
        assertThat(t.get("/api/orders/" + id + "?version=3").status()).isEqualTo(404);
        assertThat(t.get("/api/orders/" + id + "?version=0").status()).isEqualTo(400);
        assertThat(t.get("/api/orders/" + id + "?version=x").status()).isEqualTo(400);
        assertThat(t.get("/api/orders/" + id + "?as_of=yesterday").status()).isEqualTo(400);
        assertThat(t.get("/api/orders/" + id + "?version=1&as_of=" + paidAt).status())
                .isEqualTo(400);
    }

    @Test
    void list_minPositionReadsYourWrite_andProjectionsReportLag() {
        String id = t.create("reader-1", "book", 2, "15.00");
        Response pay = t.post(
                "/api/orders/" + id + "/pay",
                "{\"payment_id\":\"p\",\"amount\":30.00," + "\"payment_method\":\"card\"}");

        Response list = t.get("/api/orders?user_id=reader-1&min_position=" + pay.header("Consistency-Position"));

        assertThat(list.status()).as(list.body()).isEqualTo(200);
        JsonNode row = list.json().get("orders").get(0);
        assertThat(row.get("order_id").asText()).isEqualTo(id);
        assertThat(row.get("status").asText()).isEqualTo("paid");
        assertThat(row.get("version").asLong()).isEqualTo(2);
        assertThat(row.get("total_amount").toString()).isEqualTo("30.00");
        assertThat(row.get("item_count").asLong()).isEqualTo(2);
        assertThat(row.get("created_at").asText())
                .isEqualTo(pay.json().get("created_at").asText());
        assertThat(row.get("paid_at").asText())
                .isEqualTo(pay.json().get("paid_at").asText());
        assertThat(list.json().get("next_cursor").isNull()).isTrue();
        assertThat(t.get("/api/orders?min_position=999999999").status()).isEqualTo(400);
        assertThat(t.get("/api/orders?status=lost").status()).isEqualTo(400);
        assertThat(t.get("/api/orders?limit=0").status()).isEqualTo(400);
        assertThat(t.get("/api/orders?cursor=bm9wZQ").status()).isEqualTo(400);

        Response p = t.get("/api/projections");
        assertThat(p.status()).isEqualTo(200);
        JsonNode orders = p.json().get("projections").get(0);
        assertThat(orders.get("name").asText()).isEqualTo("orders");
        assertThat(orders.get("state").asText()).isEqualTo("running");
        assertThat(orders.get("lag_events").asLong()).isGreaterThanOrEqualTo(0);
    }
}
