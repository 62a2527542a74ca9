package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /api/appends}: many independent appends in one request. */
class BulkAppendTest {
    private final TestServer t = new TestServer(new InMemoryEventLog());

    @AfterEach
    void stop() {
        t.close();
    }

    private static String event(String type) {
        return "{\"event_type\":\"" + type + "\",\"event_data\":{}}";
    }

    private static String entry(String aggregate, String expected, String events) {
        return "{\"aggregate_id\":\"" + aggregate + "\"" + (expected == null ? "" : ",\"expected_version\":" + expected)
                + ",\"events\":" + events + "}";
    }

    private TestServer.Response bulk(String... entries) {
        return t.post("/api/appends", "{\"appends\":[" + String.join(",", entries) + "]}");
    }

    @Test
    void appendMany_manyAggregates_oneResultEachInRequestOrder() {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            entries.add(entry("order-" + i, "\"no_stream\"", event("OrderPlaced")));
        }

        var r = bulk(entries.toArray(String[]::new));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode results = r.json().get("results");
        assertThat(results).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(results.get(i).get("aggregate_id").asText()).isEqualTo("order-" + i);
            assertThat(results.get(i).get("last_version").asLong()).isEqualTo(1);
            assertThat(results.get(i).has("error")).isFalse();
        }
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("100");
    }

    @Test
    void systemAggregates_areNeverWrittenOverHttp_evenWithAuthenticationOff() {
        var single = t.post("/api/aggregates/$audit/events", event("TokenCreated"));
        assertThat(single.status()).isEqualTo(403);
        assertThat(single.json().get("message").asText()).contains("system aggregate");

        var r = bulk(entry("$audit", null, event("AdminRequest")), entry("order-1", null, event("OrderPlaced")));
        JsonNode results = r.json().get("results");
        assertThat(results.get(0).get("error").asText()).isEqualTo("forbidden");
        assertThat(results.get(0).get("message").asText()).contains("system aggregate");
        assertThat(results.get(1).get("last_version").asLong()).isEqualTo(1);
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("1");
    }

    @Test
    void appendMany_badAndConflictingEntries_failAloneOthersStored() {
        t.post("/api/aggregates/taken/events", event("E"));

        var r = bulk(
                entry("a", "0", "[" + event("A1") + "," + event("A2") + "]"),
                entry("taken", "\"no_stream\"", event("E2")),
                "{\"aggregate_id\":\"b\",\"events\":{\"event_type\":\"B\"}}",
                entry("c", "\"sometimes\"", event("C")),
                "{\"aggregate_id\":\"d\",\"events\":[" + event("D") + "],\"extra\":1}",
                "42",
                entry("e", null, event("E")));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode res = r.json().get("results");
        assertThat(res.get(0).get("last_version").asLong()).isEqualTo(2);
        assertThat(res.get(1).get("error").asText()).isEqualTo("wrong_expected_version");
        assertThat(res.get(1).get("actual").asLong()).isEqualTo(1);
        assertThat(res.get(2).get("error").asText()).isEqualTo("invalid_request");
        assertThat(res.get(2).get("message").asText()).contains("event_data");
        assertThat(res.get(3).get("error").asText()).isEqualTo("invalid_request");
        assertThat(res.get(4).get("message").asText()).contains("extra");
        assertThat(res.get(5).get("error").asText()).isEqualTo("invalid_request");
        assertThat(res.get(6).get("last_version").asLong()).isEqualTo(1);
        assertThat(t.get("/api/aggregates/a/events").json().get("version").asLong())
                .isEqualTo(2);
        assertThat(t.get("/api/aggregates/taken/events").json().get("version").asLong())
                .isEqualTo(1);
        assertThat(t.get("/api/aggregates/b/events").status()).isEqualTo(404);
        assertThat(t.get("/api/aggregates/c/events").status()).isEqualTo(404);
        assertThat(t.get("/api/aggregates/e/events").json().get("version").asLong())
                .isEqualTo(1);
    }

    @Test
    void appendMany_oneAggregateTwice_runsInRequestOrder() {
        var r = bulk(
                entry("order-1", "\"no_stream\"", event("Placed")),
                entry("order-2", "\"no_stream\"", event("Placed")),
                entry("order-1", "1", event("Paid")),
                entry("order-1", "2", event("Shipped")));

        JsonNode res = r.json().get("results");
        assertThat(res.get(2).get("first_version").asLong()).isEqualTo(2);
        assertThat(res.get(3).get("first_version").asLong()).isEqualTo(3);
        JsonNode events = t.get("/api/aggregates/order-1/events").json().get("events");
        assertThat(events.findValuesAsText("event_type")).containsExactly("Placed", "Paid", "Shipped");
    }

    @Test
    void appendMany_ordered_runsInRequestOrderAndStopsAtTheFirstFailure() {
        var r = t.post(
                "/api/appends",
                "{\"ordered\":true,\"appends\":[" + entry("z", "\"no_stream\"", event("Z")) + ","
                        + entry("y", "\"no_stream\"", event("Y")) + "," + entry("z", "\"no_stream\"", event("Z2"))
                        + "," + entry("x", null, event("X")) + "]}");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode res = r.json().get("results");
        assertThat(res.get(0).get("position").asText()).isEqualTo("1");
        assertThat(res.get(1).get("position").asText()).isEqualTo("2");
        assertThat(res.get(2).get("error").asText()).isEqualTo("wrong_expected_version");
        assertThat(res.get(3).get("error").asText()).isEqualTo("not_attempted");
        assertThat(t.get("/api/aggregates/x/events").status()).isEqualTo(404);
        assertThat(t.post("/api/appends", "{\"ordered\":1,\"appends\":[" + entry("w", null, event("W")) + "]}")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void appendMany_retriedWithSameIds_idempotent() {
        String id = UUID.randomUUID().toString();
        String e = "{\"event_id\":\"" + id + "\",\"event_type\":\"X\",\"event_data\":{}}";

        var first = bulk(entry("x", "\"no_stream\"", e));
        var again = bulk(entry("x", "\"no_stream\"", e));

        assertThat(again.json().get("results").get(0).get("position"))
                .isEqualTo(first.json().get("results").get(0).get("position"));
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("1");
    }

    @Test
    void appendMany_notAnEnvelope_400AndNothingStored() {
        for (String body :
                List.of("[]", "{}", "{\"appends\":[]}", "{\"appends\":{}}", "{\"appends\":[],\"x\":1}", "nope")) {
            var r = t.post("/api/appends", body);

            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().get("error").asText()).isEqualTo("invalid_request");
        }
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("0");
    }

    @Test
    void appendMany_largerThanOneAppendsLimit_accepted() {
        String data = "{\"event_type\":\"Big\",\"event_data\":{\"blob\":\"" + "x".repeat(500_000) + "\"}}";
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            entries.add(entry("big-" + i, null, data));
        }

        var r = bulk(entries.toArray(String[]::new));

        assertThat(r.status())
                .as(r.body().substring(0, Math.min(300, r.body().length())))
                .isEqualTo(200);
        assertThat(r.json().get("results").findValues("error")).isEmpty();
    }
}
