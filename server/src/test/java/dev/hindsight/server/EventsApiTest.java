package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventsApiTest {
    private final TestServer t = new TestServer(new InMemoryEventLog());

    @AfterEach
    void stop() {
        t.close();
    }

    private static String event(String type, String data) {
        return "{\"event_type\":\"" + type + "\",\"event_data\":" + data + "}";
    }

    @Test
    void append_singleEvent_201WithVersionsAndPosition() {
        var r = t.post("/api/aggregates/order-1/events", event("OrderPlaced", "{\"total\":42}"));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode j = r.json();
        assertThat(j.get("aggregate_id").asText()).isEqualTo("order-1");
        assertThat(j.get("first_version").asLong()).isEqualTo(1);
        assertThat(j.get("last_version").asLong()).isEqualTo(1);
        assertThat(j.get("position").asText()).isEqualTo("1");
    }

    @Test
    void append_payloadAsWritten_isStoredInCanonicalForm() {
        // whitespace, escapes, exact decimals, exponents, nesting, a surrogate pair, empty containers
        String data = "{ \"total\" : 39.90 ,\n \"big\": 1e400, \"name\":\"Caf\\u00e9 \\\"x\\\"\","
                + " \"emoji\": \"\uD83D\uDE00\", \"items\" : [ {\"sku\":\"a\", \"q\" : 2 } , [], {} ] }";
        String meta = "{ \"user_id\" : \"u1\" , \"timestamp\" : \"2024-05-01T12:00:00.000+00:00\" }";
        var r = t.post(
                "/api/aggregates/order-1/events",
                "{\"event_type\":\"A\", \"event_data\": " + data + " , \"metadata\" : " + meta + "}");

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        var stored = t.store.read("order-1").events().getFirst();
        assertThat(stored.eventData())
                .isEqualTo(dev.hindsight.core.Json.write(dev.hindsight.core.Json.parseObject(data, "data")));
        assertThat(stored.eventData()).doesNotContain(" :").contains("39.90").contains("Café");
        assertThat(stored.metadata()).isEqualTo("{\"user_id\":\"u1\",\"timestamp\":\"2024-05-01T12:00:00Z\"}");
    }

    @Test
    void append_duplicateKeyInsidePayload_400AndNothingStored() {
        for (String body : List.of(
                event("A", "{\"items\":[{\"a\":1,\"a\":2}]}"),
                "{\"event_type\":\"A\",\"event_data\":{},\"metadata\":{\"k\":1,\"k\":1}}")) {
            var r = t.post("/api/aggregates/order-1/events", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().get("message").asText()).contains("Duplicate");
        }
        assertThat(t.store.head().toString()).isEqualTo("0");
    }

    @Test
    void append_array_storesAllAtomically() {
        var r = t.post(
                "/api/aggregates/order-1/events", "[" + event("A", "{}") + "," + event("B", "{\"x\":[1,2]}") + "]");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("first_version").asLong()).isEqualTo(1);
        assertThat(r.json().get("last_version").asLong()).isEqualTo(2);
        assertThat(t.store.read("order-1").events())
                .extracting(e -> e.eventType())
                .containsExactly("A", "B");
    }

    @Test
    void read_afterAppend_returnsEventsWithAllFields() {
        String id = "3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70";
        t.post(
                "/api/aggregates/order-1/events",
                "{\"event_id\":\"" + id + "\",\"event_type\":\"OrderPlaced\","
                        + "\"schema_version\":2,\"event_data\":{\"total\":42,\"items\":[\"a\"]},"
                        + "\"metadata\":{\"user_id\":\"u1\",\"timestamp\":\"2024-05-01T12:00:00Z\"}}");

        var r = t.get("/api/aggregates/order-1/events");

        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("aggregate_id").asText()).isEqualTo("order-1");
        assertThat(j.get("version").asLong()).isEqualTo(1);
        JsonNode e = j.get("events").get(0);
        assertThat(e.get("event_id").asText()).isEqualTo(id);
        assertThat(e.get("aggregate_id").asText()).isEqualTo("order-1");
        assertThat(e.get("event_type").asText()).isEqualTo("OrderPlaced");
        assertThat(e.get("schema_version").asInt()).isEqualTo(2);
        assertThat(e.get("event_data").get("total").asInt()).isEqualTo(42);
        assertThat(e.get("event_data").get("items").get(0).asText()).isEqualTo("a");
        assertThat(e.get("metadata").get("user_id").asText()).isEqualTo("u1");
        assertThat(e.get("metadata").get("timestamp").asText()).isEqualTo("2024-05-01T12:00:00Z");
        assertThat(e.get("version").asLong()).isEqualTo(1);
        assertThat(e.get("position").asText()).isEqualTo("1");
        assertThat(Instant.parse(e.get("recorded_at").asText())).isNotNull();
    }

    @Test
    void read_pagingForwardAndBackward() {
        for (int i = 1; i <= 5; i++) {
            t.post("/api/aggregates/a/events", event("E" + i, "{}"));
        }

        var fwd = t.get("/api/aggregates/a/events?from_version=2&limit=2").json();
        var back = t.get("/api/aggregates/a/events?direction=backward&limit=2").json();
        var backFrom = t.get("/api/aggregates/a/events?direction=backward&from_version=2")
                .json();

        assertThat(versions(fwd)).containsExactly(2L, 3L);
        assertThat(fwd.get("version").asLong()).isEqualTo(5);
        assertThat(versions(back)).containsExactly(5L, 4L);
        assertThat(versions(backFrom)).containsExactly(2L, 1L);
    }

    @Test
    void read_asOf_returnsPrefixAtInstant() {
        for (int i = 1; i <= 3; i++) {
            t.post(
                    "/api/aggregates/a/events",
                    "{\"event_type\":\"E\",\"event_data\":{},\"metadata\":" + "{\"timestamp\":\"2024-05-0" + i
                            + "T00:00:00Z\"}}");
        }

        var at2 = t.get("/api/aggregates/a/events?as_of=2024-05-02T12:00:00Z").json();
        var at2back = t.get("/api/aggregates/a/events?as_of=2024-05-02T12:00:00Z&direction=backward")
                .json();
        var withOffset = t.get("/api/aggregates/a/events?as_of=2024-05-02T02:00:00%2B02:00")
                .json();
        var before = t.get("/api/aggregates/a/events?as_of=2024-04-01T00:00:00Z");

        assertThat(at2.get("version").asLong()).isEqualTo(2);
        assertThat(versions(at2)).containsExactly(1L, 2L);
        assertThat(at2back.get("version").asLong()).isEqualTo(2);
        assertThat(versions(at2back)).containsExactly(2L, 1L);
        assertThat(versions(withOffset)).containsExactly(1L, 2L);
        assertThat(before.status()).isEqualTo(404);
        assertThat(before.error()).isEqualTo("not_found");
    }

    @Test
    void read_unknownAggregate_404NotFound() {
        var r = t.get("/api/aggregates/nobody/events");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("not_found");
        assertThat(r.json().get("message").asText()).contains("nobody");
    }

    @Test
    void read_aggregateIdWithSpacesAndUnicode_roundTrips() {
        var r = t.post("/api/aggregates/order%20%C3%A9+1/events", event("E", "{}"));
        var back = t.get("/api/aggregates/order%20%C3%A9+1/events");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("aggregate_id").asText()).isEqualTo("order é+1");
        assertThat(back.json().get("events").get(0).get("aggregate_id").asText())
                .isEqualTo("order é+1");
    }

    @Test
    void append_wrongExpectedVersion_409WithExpectedAndActual() {
        t.post("/api/aggregates/a/events", event("E", "{}"));

        var r = t.post("/api/aggregates/a/events", event("E", "{}"), "no_stream");
        var exact = t.post("/api/aggregates/a/events", event("E", "{}"), "5");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("wrong_expected_version");
        assertThat(r.json().get("expected").asText()).isEqualTo("no_stream");
        assertThat(r.json().get("actual").asLong()).isEqualTo(1);
        assertThat(r.json().get("message").asText()).isNotBlank();
        assertThat(exact.json().get("expected").asText()).isEqualTo("5");
        assertThat(t.store.read("a").version()).isEqualTo(1);
    }

    @Test
    void append_matchingExpectedVersions_succeed() {
        assertThat(t.post("/api/aggregates/a/events", event("E", "{}"), "no_stream")
                        .status())
                .isEqualTo(201);
        assertThat(t.post("/api/aggregates/a/events", event("E", "{}"), "exists")
                        .status())
                .isEqualTo(201);
        assertThat(t.post("/api/aggregates/a/events", event("E", "{}"), "2").status())
                .isEqualTo(201);
        assertThat(t.post("/api/aggregates/a/events", event("E", "{}"), " any ").status())
                .isEqualTo(201);
        assertThat(t.post("/api/aggregates/b/events", event("E", "{}"), "exists")
                        .status())
                .isEqualTo(409);
    }

    @Test
    void append_sameEventIdSameContent_idempotent() {
        String body = "{\"event_id\":\"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\",\"event_type\":\"E\","
                + "\"event_data\":{\"a\":1}}";
        var first = t.post("/api/aggregates/a/events", body);
        var retry = t.post("/api/aggregates/a/events", body);

        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(t.store.read("a").version()).isEqualTo(1);
    }

    @Test
    void append_sameEventIdOtherContent_409DuplicateEventId() {
        String id = "3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70";
        t.post("/api/aggregates/a/events", "{\"event_id\":\"" + id + "\",\"event_type\":\"E\",\"event_data\":{}}");

        var r = t.post(
                "/api/aggregates/a/events",
                "{\"event_id\":\"" + id + "\",\"event_type\":\"E\"," + "\"event_data\":{\"other\":true}}");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("duplicate_event_id");
    }

    @Test
    void append_timestampBeforeLast_409TimestampOutOfOrder() {
        t.post(
                "/api/aggregates/a/events",
                "{\"event_type\":\"E\",\"event_data\":{},\"metadata\":" + "{\"timestamp\":\"2024-05-02T00:00:00Z\"}}");

        var r = t.post(
                "/api/aggregates/a/events",
                "{\"event_type\":\"E\",\"event_data\":{},\"metadata\":" + "{\"timestamp\":\"2024-05-01T00:00:00Z\"}}");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.error()).isEqualTo("timestamp_out_of_order");
    }

    @Test
    void append_eventOverSizeLimit_413TooLarge() {
        String big = "x".repeat((1 << 20) + 10);

        var r = t.post("/api/aggregates/a/events", event("E", "{\"s\":\"" + big + "\"}"));

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("too_large");
        assertThat(t.store.head().toString()).isEqualTo("0");
    }

    @Test
    void append_bodyOverBodyLimit_413WithoutParsing() {
        try (TestServer small = new TestServer(new InMemoryEventLog(), b -> b.maxBodyBytes(64 * 1024))) {
            String body = "not even json " + "y".repeat(64 * 1024);

            var r = small.post("/api/aggregates/a/events", body);

            assertThat(r.status()).isEqualTo(413);
            assertThat(r.error()).isEqualTo("too_large");
        }
    }

    @Test
    void append_chunkedBodyOverLimit_413() {
        try (TestServer small = new TestServer(new InMemoryEventLog(), b -> b.maxBodyBytes(1024))) {
            byte[] chunk = "[".repeat(600).getBytes();
            var publisher = HttpRequest.BodyPublishers.ofByteArrays(List.of(chunk, chunk));

            var r = small.send(HttpRequest.newBuilder(small.uri("/api/aggregates/a/events"))
                    .POST(publisher));

            assertThat(r.status()).isEqualTo(413);
        }
    }

    @Test
    void globalLog_afterAndFilters() {
        t.post("/api/aggregates/order-1/events", event("OrderPlaced", "{}"));
        t.post("/api/aggregates/user-1/events", event("UserCreated", "{}"));
        t.post("/api/aggregates/order-2/events", event("OrderPlaced", "{}"));
        t.post("/api/aggregates/order-2/events", event("OrderShipped", "{}"));

        var all = t.get("/api/events").json();
        var after2 = t.get("/api/events?after=2&limit=1").json();
        var orders = t.get("/api/events?aggregate_prefix=order-&event_type=OrderShipped,UserCreated")
                .json();
        var repeated = t.get("/api/events?event_type=UserCreated&event_type=OrderShipped")
                .json();

        assertThat(positions(all)).containsExactly("1", "2", "3", "4");
        assertThat(all.get("next").asText()).isEqualTo("4");
        assertThat(positions(after2)).containsExactly("3");
        assertThat(after2.get("next").asText()).isEqualTo("3");
        assertThat(positions(orders)).containsExactly("4");
        assertThat(orders.get("next").asText()).isEqualTo("4");
        assertThat(positions(repeated)).containsExactly("2", "4");
    }

    @Test
    void globalLog_bigEvents_pageStopsAtTheByteBudgetAndNextContinuesAfterIt() {
        // 12 events of 512 KiB (6 MiB): the engine stops a page once it holds 4 MiB, whatever the limit
        String pad = "x".repeat(512 * 1024);
        for (int i = 1; i <= 12; i++) {
            t.store.append(
                    "big-" + (i % 2),
                    dev.hindsight.core.ExpectedVersion.ANY,
                    dev.hindsight.core.EventData.of("Big", "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}"));
        }

        var first = t.get("/api/events?limit=10000").json();
        var second = t.get("/api/events?limit=10000&after=" + first.get("next").asText())
                .json();
        var end = t.get("/api/events?limit=10000&after=" + second.get("next").asText())
                .json();

        assertThat(positions(first)).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
        assertThat(first.get("next").asText()).isEqualTo("8");
        assertThat(positions(second)).containsExactly("9", "10", "11", "12");
        assertThat(second.get("next").asText()).isEqualTo("12");
        assertThat(positions(end)).isEmpty();
        assertThat(end.get("next").asText()).isEqualTo("12");
    }

    @Test
    void health_reportsHead() {
        t.post("/api/aggregates/a/events", event("E", "{}"));

        var r = t.get("/health");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().get("head").asText()).isEqualTo("1");
    }

    @Test
    void storage_inMemoryStore_countsEventsAndLeavesUnmeasuredBytesNull() {
        t.post("/api/aggregates/a/events", "[" + event("E", "{}") + "," + event("E", "{}") + "]");
        t.post("/api/aggregates/b/events", event("E", "{}"));

        var r = t.get("/api/storage");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("engine").asText()).isEqualTo("memory");
        assertThat(r.json().get("events").asLong()).isEqualTo(3);
        assertThat(r.json().get("bytes_on_disk").get("log").isNull()).isTrue();
        assertThat(r.json().get("bytes_on_disk").get("total").isNull()).isTrue();
    }

    @Test
    void unknownRoute_404Json() {
        var r = t.get("/nope");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.error()).isEqualTo("not_found");
    }

    @Test
    void wrongMethod_405Json() {
        var r = t.send(HttpRequest.newBuilder(t.uri("/api/events")).DELETE());

        assertThat(r.status()).isEqualTo(405);
        assertThat(r.error()).isEqualTo("method_not_allowed");
    }

    @Test
    void encodedSlashInAggregateId_jsonErrorNot500() {
        var r = t.get("/api/aggregates/a%2Fb/events");

        assertThat(r.status()).isBetween(400, 404);
        assertThat(r.json().get("error").asText()).isNotBlank();
    }

    @Test
    void storeClosed_503() {
        t.store.close();

        var r = t.post("/api/aggregates/a/events", event("E", "{}"));

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.error()).isEqualTo("store_closed");
    }

    private static List<Long> versions(JsonNode slice) {
        List<Long> out = new ArrayList<>();
        slice.get("events").forEach(e -> out.add(e.get("version").asLong()));
        return out;
    }

    private static List<String> positions(JsonNode slice) {
        List<String> out = new ArrayList<>();
        slice.get("events").forEach(e -> out.add(e.get("position").asText()));
        return out;
    }
}
