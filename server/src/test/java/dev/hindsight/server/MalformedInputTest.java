package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hindsight.core.memory.InMemoryEventLog;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input is a 400 JSON error (never a 500) and stores nothing. */
class MalformedInputTest {
    private static final TestServer T = new TestServer(new InMemoryEventLog());
    private static final String OK = "{\"event_type\":\"E\",\"event_data\":{}}";

    @AfterAll
    static void stop() {
        T.close();
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("not JSON", "hello", "not valid JSON"),
                Arguments.of("truncated", "{\"event_type\":\"E\",", "not valid JSON"),
                Arguments.of("empty", "", "empty"),
                Arguments.of("trailing garbage", OK + " x", "not valid JSON"),
                Arguments.of("two documents", OK + OK, "not valid JSON"),
                Arguments.of("a string", "\"E\"", "event object"),
                Arguments.of("a number", "42", "event object"),
                Arguments.of("null", "null", "event object"),
                Arguments.of("empty array", "[]", "at least one"),
                Arguments.of("array of non-objects", "[1,2]", "must be a JSON object"),
                Arguments.of("array with one bad", "[" + OK + ",\"x\"]", "(event 1)"),
                Arguments.of("missing event_type", "{\"event_data\":{}}", "event_type"),
                Arguments.of("event_type number", "{\"event_type\":7,\"event_data\":{}}", "event_type"),
                Arguments.of("event_type bad chars", "{\"event_type\":\"a b\",\"event_data\":{}}", "event_type"),
                Arguments.of("event_type empty", "{\"event_type\":\"\",\"event_data\":{}}", "event_type"),
                Arguments.of(
                        "event_type too long",
                        "{\"event_type\":\"" + "a".repeat(101) + "\",\"event_data\":{}}",
                        "event_type"),
                Arguments.of("missing event_data", "{\"event_type\":\"E\"}", "event_data"),
                Arguments.of("event_data a string", "{\"event_type\":\"E\",\"event_data\":\"{}\"}", "event_data"),
                Arguments.of("event_data an array", "{\"event_type\":\"E\",\"event_data\":[]}", "event_data"),
                Arguments.of(
                        "metadata a string", "{\"event_type\":\"E\",\"event_data\":{},\"metadata\":\"m\"}", "metadata"),
                Arguments.of(
                        "metadata.timestamp bad",
                        "{\"event_type\":\"E\",\"event_data\":{}," + "\"metadata\":{\"timestamp\":\"yesterday\"}}",
                        "timestamp"),
                Arguments.of(
                        "metadata.timestamp number",
                        "{\"event_type\":\"E\",\"event_data\":{}," + "\"metadata\":{\"timestamp\":5}}",
                        "timestamp"),
                Arguments.of(
                        "bad UUID", "{\"event_id\":\"not-a-uuid\",\"event_type\":\"E\",\"event_data\":{}}", "event_id"),
                Arguments.of(
                        "short UUID form",
                        "{\"event_id\":\"1-1-1-1-1\",\"event_type\":\"E\",\"event_data\":{}}",
                        "event_id"),
                Arguments.of("UUID number", "{\"event_id\":12,\"event_type\":\"E\",\"event_data\":{}}", "event_id"),
                Arguments.of(
                        "schema_version string",
                        "{\"event_type\":\"E\",\"schema_version\":\"2\"," + "\"event_data\":{}}",
                        "schema_version"),
                Arguments.of(
                        "schema_version zero",
                        "{\"event_type\":\"E\",\"schema_version\":0,\"event_data\":{}}",
                        "schema_version"),
                Arguments.of(
                        "schema_version fraction",
                        "{\"event_type\":\"E\",\"schema_version\":1.5," + "\"event_data\":{}}",
                        "schema_version"),
                Arguments.of(
                        "schema_version huge",
                        "{\"event_type\":\"E\",\"schema_version\":99999999999," + "\"event_data\":{}}",
                        "schema_version"),
                Arguments.of(
                        "unknown fields",
                        "{\"event_type\":\"E\",\"event_data\":{},\"typo\":1,\"data\":2}",
                        "data, typo"),
                Arguments.of(
                        "duplicate key", "{\"event_type\":\"E\",\"event_type\":\"F\",\"event_data\":{}}", "Duplicate"),
                Arguments.of(
                        "duplicate event ids in one append",
                        "[{\"event_id\":\"3f2b6c1e-8a4d-4f7e-9c1a-"
                                + "2b3c4d5e6f70\",\"event_type\":\"E\",\"event_data\":{}},{\"event_id\":\"3f2b6c1e-8a4d-"
                                + "4f7e-9c1a-2b3c4d5e6f70\",\"event_type\":\"E\",\"event_data\":{}}]",
                        "twice"),
                // JSON may escape a lone UTF-16 surrogate, but it is no character: UTF-8 cannot hold it (it was
                // stored as '?', so a retry of the same append was refused as a duplicate with other content)
                Arguments.of(
                        "lone surrogate in event_data",
                        "{\"event_type\":\"E\",\"event_data\":{\"x\":\"\\ud800\"}}",
                        "event_data is not valid Unicode"),
                Arguments.of(
                        "lone low surrogate nested in event_data",
                        "{\"event_type\":\"E\",\"event_data\":{\"a\":[\"x\\udc00y\"]}}",
                        "event_data is not valid Unicode"),
                Arguments.of(
                        "lone surrogate in metadata",
                        "{\"event_type\":\"E\",\"event_data\":{},\"metadata\":{\"note\":\"\\ud83dx\"}}",
                        "metadata is not valid Unicode"),
                Arguments.of(
                        "deep nesting",
                        "{\"event_type\":\"E\",\"event_data\":" + "{\"a\":".repeat(2000) + "1" + "}".repeat(2001),
                        "JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void append_malformedBody_400AndNothingStored(String name, String body, String messagePart) {
        var r = T.post("/api/aggregates/a/events", body);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
        assertThat(r.json().get("message").asText()).contains(messagePart);
        assertThat(T.store.head().toString()).isEqualTo("0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "-1", "1.5", "ANY!", "no-stream", "99999999999999999999"})
    void append_badExpectedVersionHeader_400(String header) {
        var r = T.post("/api/aggregates/a/events", OK, header);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
        assertThat(T.store.head().toString()).isEqualTo("0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"%7F", "a%00b", "a%0Ab", "%E2%80%8B%01"})
    void append_badAggregateId_400(String id) {
        var r = T.post("/api/aggregates/" + id + "/events", OK);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).containsAnyOf("aggregate_id", "malformed request");
        assertThat(T.store.head().toString()).isEqualTo("0");
        // The connection stays usable or is closed with notice: the next request on the same client gets an answer.
        assertThat(T.get("/health").status()).isEqualTo(200);
    }

    @Test
    void append_aggregateIdOver255Bytes_400() {
        var r = T.post("/api/aggregates/" + "%C3%A9".repeat(128) + "/events", OK);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "limit=0",
                "limit=10001",
                "limit=abc",
                "limit=-5",
                "limit=1e3",
                "from_version=0",
                "from_version=x",
                "direction=sideways",
                "as_of=yesterday",
                "as_of=2024-13-01T00:00:00Z",
                "from_version=99999999999999999999"
            })
    void readAggregate_badQuery_400(String query) {
        var r = T.get("/api/aggregates/a/events?" + query);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "after=-1",
                "after=abc",
                "after=0:1",
                "after=1:5,0:2x",
                "limit=0",
                "limit=20000",
                "after=99999999999999999999",
                "after=5" // after the head (0): reading on from it would skip events 1 to 5 once written
            })
    void readAll_badQuery_400(String query) {
        var r = T.get("/api/events?" + query);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"after=-1", "after=x", "after=0:3"})
    void live_badAfter_400(String query) {
        var r = T.get("/api/events/live?" + query);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
    }

    /**
     * A cursor after the store's head is none the store gave out (another store's, or one from before a restore): the
     * feed refuses it, naming the head, instead of following on from it, which silently skipped every event up to it
     * once they were written (the stream stayed open: hence the timeout).
     */
    @Test
    void live_cursorAfterTheHead_400NamingTheHead() {
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            var header = T.send(HttpRequest.newBuilder(T.uri("/api/events/live"))
                    .header("Last-Event-ID", "7")
                    .GET());
            var query = T.get("/api/events/live?after=5");

            assertThat(header.status()).as(header.body()).isEqualTo(400);
            assertThat(header.json().get("message").asText()).contains("Last-Event-ID 7", "after the head", "(0)");
            assertThat(query.status()).as(query.body()).isEqualTo(400);
            assertThat(query.json().get("message").asText()).contains("after 5", "after the head", "(0)");
        });
    }

    @Test
    void live_badLastEventId_400() {
        var r = T.send(HttpRequest.newBuilder(T.uri("/api/events/live"))
                .header("Last-Event-ID", "nope")
                .GET());

        assertThat(r.status()).as(r.body()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/events?limit=%zz",
                "/api/events?after=%",
                "/api/aggregates/a/events?limit=%G1",
                "/api/aggregates/%zz/events",
                "/api/events/live?after=%x"
            })
    void malformedPercentEncoding_400Json(String target) throws IOException {
        try (Socket s = new Socket("127.0.0.1", T.server.port())) {
            s.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"");
        }
    }

    @Test
    void malformedHttp_400Json() throws IOException {
        try (Socket s = new Socket("127.0.0.1", T.server.port())) {
            s.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"");
        }
    }

    /** Seeded mutations of a valid body: whatever the server answers, it is a JSON 2xx/4xx, never a 5xx. */
    @Test
    void append_mutatedBodies_neverServerError() {
        String valid = "[{\"event_id\":\"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\",\"event_type\":\"E\","
                + "\"schema_version\":1,\"event_data\":{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}},"
                + "\"metadata\":{\"user_id\":\"u\",\"timestamp\":\"2024-05-01T00:00:00Z\"}}]";
        String alphabet = "{}[]\",:0123456789.-eE \\u/tnfalsr\u00e9\u0000";
        Random random = new Random(42);
        try (TestServer own = new TestServer(new InMemoryEventLog())) { // some mutations are valid and get stored
            for (int i = 0; i < 300; i++) {
                fuzzOnce(own, valid, alphabet, random, i);
            }
        }
    }

    private static void fuzzOnce(TestServer t, String valid, String alphabet, Random random, int i) {
        StringBuilder b = new StringBuilder(valid);
        for (int m = random.nextInt(3) + 1; m > 0; m--) {
            int at = random.nextInt(b.length());
            switch (random.nextInt(3)) {
                case 0 -> b.deleteCharAt(at);
                case 1 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                default -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        var r = t.post("/api/aggregates/fuzz-" + i + "/events", b.toString());

        assertThat(r.status()).as("body %s -> %s", b, r.body()).isBetween(200, 499);
        assertThat(r.json().isObject()).isTrue();
    }

    @Test
    void append_binaryGarbage_400() {
        byte[] junk = new byte[512];
        new Random(7).nextBytes(junk);
        var r = T.send(HttpRequest.newBuilder(T.uri("/api/aggregates/a/events"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(junk)));

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(T.store.head().toString()).isEqualTo("0");
    }
}
