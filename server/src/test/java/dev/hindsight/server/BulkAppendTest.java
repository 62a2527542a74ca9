package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** JSON that is malformed anywhere, also after valid entries, refuses the whole request: nothing is stored. */
    @Test
    void appendMany_malformedJsonInAnyEntry_400AndNothingStored() {
        String ok = entry("ok-1", null, event("A"));
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put(
                "{\"appends\":[" + ok + ",{\"aggregate_id\":\"b\",\"events\":" + event("B") + "]}", "not valid JSON");
        bodies.put(
                "{\"appends\":[" + ok + ","
                        + entry("b", null, "{\"event_type\":\"B\",\"event_data\":{\"x\":1,\"x\":2}}") + "]}",
                "Duplicate field 'x'");
        bodies.put("{\"appends\":[" + ok + "," + entry("b", "\"sometimes\"", "[]") + "]} x", "not valid JSON");
        bodies.put("{\"appends\":[" + ok + "]}{}", "content after the end of the document");
        bodies.put(
                "{\"appends\":[" + ok + ",{\"aggregate_id\":\"b\",\"extra\":1e999999999999,\"events\":[]}]}",
                "out of range");
        bodies.put(
                "{\"appends\":[" + ok + ",{\"aggregate_id\":\"b\",\"aggregate_id\":\"c\"}]}",
                "Duplicate field 'aggregate_id'");
        bodies.put("{\"appends\":[" + ok + ",{\"aggregate_id\":\"b\",\"events\":" + event("B"), "not valid JSON");
        bodies.put("{\"appends\":[" + ok + "],\"ordered\":true,\"ordered\":false}", "Duplicate field 'ordered'");
        for (Map.Entry<String, String> b : bodies.entrySet()) {
            var r = t.post("/api/appends", b.getKey());

            assertThat(r.status()).as(b.getKey()).isEqualTo(400);
            assertThat(r.error()).isEqualTo("invalid_request");
            assertThat(r.json().get("message").asText()).as(b.getKey()).contains(b.getValue());
        }
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("0");
    }

    /** Each kind of bad entry fails alone, with its own message, between valid entries that are all stored. */
    @Test
    void appendMany_badEntriesAmongValidOnes_eachFailsAloneWithItsMessage() {
        String e = event("E");
        List<String> bad = List.of(
                "[1]",
                "{\"aggregate_id\":\"x\",\"events\":" + e + ",\"zz\":{\"event_data\":{}},\"aa\":1}",
                "{\"aggregate_id\":7,\"events\":" + e + "}",
                "{\"aggregate_id\":\"x\",\"events\":null}",
                "{\"aggregate_id\":\"x\",\"expected_version\":{},\"events\":" + e + "}",
                "{\"aggregate_id\":\"x\",\"expected_version\":-1,\"events\":" + e + "}",
                "{\"aggregate_id\":\"x\",\"expected_version\":99999999999999999999,\"events\":[1]}",
                "{\"aggregate_id\":\"x\",\"events\":\"E\"}",
                "{\"aggregate_id\":\"x\",\"events\":[]}",
                "{\"aggregate_id\":\"x\",\"events\":[" + e
                        + ",{\"event_type\":\"E\",\"event_data\":{},\"event_id\":\"1-2\"}]}",
                "{\"events\":[{\"event_type\":\"E\",\"event_data\":{},\"schema_version\":0}],\"aggregate_id\":\"x\"}",
                "{\"aggregate_id\":\"x\",\"events\":{\"event_type\":\"E\",\"event_data\":{},\"metadata\":[]}}",
                "{\"aggregate_id\":\"x\",\"events\":{\"event_data\":[],\"event_type\":null}}");
        List<String> messages = List.of(
                "each append must be a JSON object (append 1)",
                "unknown field(s) aa, zz (append 2); allowed: aggregate_id, expected_version, events",
                "aggregate_id is required and must be a string (append 3)",
                "events is required (append 4)",
                "expected_version must be any, no_stream, exists or a version number (append 5)",
                "expected version must be >= 0: -1",
                "expected_version must be any, no_stream, exists or a version number (append 7)",
                "body must be an event object or an array of event objects",
                "an append needs at least one event",
                "event_id must be a UUID string like \"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\" (event 1)",
                "schema_version must be an integer >= 1 (event 0)",
                "metadata must be a JSON object",
                "event_type is required and must be a string");
        List<String> entries = new ArrayList<>();
        entries.add(entry("first", "\"no_stream\"", e));
        entries.addAll(bad);
        entries.add(entry("last", "0", "[" + e + "," + e + "]"));

        var r = bulk(entries.toArray(String[]::new));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode res = r.json().get("results");
        assertThat(res).hasSize(bad.size() + 2);
        assertThat(res.get(0).get("position").asText()).isEqualTo("1");
        for (int i = 0; i < bad.size(); i++) {
            JsonNode one = res.get(i + 1);
            assertThat(one.get("error").asText()).as(bad.get(i)).isEqualTo("invalid_request");
            assertThat(one.get("message").asText()).as(bad.get(i)).isEqualTo(messages.get(i));
        }
        assertThat(res.get(1).get("aggregate_id").asText()).isEmpty();
        assertThat(res.get(3).get("aggregate_id").asText()).isEmpty();
        assertThat(res.get(2).get("aggregate_id").asText()).isEqualTo("x");
        assertThat(res.get(bad.size() + 1).get("last_version").asLong()).isEqualTo(2);
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("3");
    }

    @Test
    void appendMany_theMostEntriesAccepted_oneMoreRefusedAsAWhole() {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            entries.add(entry("m-" + i, null, event("M")));
        }
        var most = bulk(entries.toArray(String[]::new));
        entries.add(entry("m-x", null, event("M")));
        var over = bulk(entries.toArray(String[]::new));

        assertThat(most.status()).isEqualTo(200);
        assertThat(most.json().get("results")).hasSize(10_000);
        assertThat(most.json().get("results").findValues("error")).isEmpty();
        assertThat(over.status()).isEqualTo(400);
        assertThat(over.json().get("message").asText()).isEqualTo("appends must hold 1 to 10000 entries, not 10001");
        assertThat(t.get("/health").json().get("head").asText()).isEqualTo("10000");
    }

    @Test
    void appendMany_bodyOverTheBulkLimit_413NothingStored() {
        try (TestServer small = new TestServer(new InMemoryEventLog(), b -> b.maxBodyBytes(1024))) {
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < 400; i++) { // ~ 24 KB, over 16 x 1 KiB
                entries.add(entry("s-" + i, null, event("S")));
            }
            String body = "{\"appends\":[" + String.join(",", entries) + "]}";

            var declared = small.post("/api/appends", body);
            var chunked = small.send(HttpRequest.newBuilder(small.uri("/api/appends"))
                    .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(
                            body.substring(0, 9000).getBytes(StandardCharsets.UTF_8),
                            body.substring(9000).getBytes(StandardCharsets.UTF_8)))));

            assertThat(declared.status()).isEqualTo(413);
            assertThat(declared.error()).isEqualTo("too_large");
            assertThat(chunked.status()).isEqualTo(413);
            assertThat(small.store.head().toString()).isEqualTo("0");
        }
    }
}
