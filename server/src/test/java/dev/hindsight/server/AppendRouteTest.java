package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.NotOwnerException;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/aggregates/{aggregate_id}/events} as the plain Jetty handler serves it: what the other server tests
 * do not already cover on that route (authentication, rate limit, redirects, the wire format of the answer, HTTP
 * details) and what still goes to Javalin.
 */
class AppendRouteTest {
    private static final String EVENT = "{\"event_type\":\"E\",\"event_data\":{}}";

    @TempDir
    Path dir;

    private static TestServer.Response post(TestServer t, String path, String token) {
        return t.send(HttpRequest.newBuilder(t.uri(path))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(EVENT)));
    }

    /** A scoped token's check reads {@code aggregate_prefix}: a malformed query string is still a 400, never a 500. */
    @Test
    void auth_scopedToken_malformedQueryString_400JsonAndNothingStored() throws IOException {
        FileTokenStore tokens = new FileTokenStore(dir);
        String scoped = tokens.create("s", Role.writer, "order-").secret();
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens))) {
            for (String query : List.of("x=%zz", "aggregate_prefix=%")) {
                try (Socket s = new Socket("127.0.0.1", t.server.port())) {
                    s.getOutputStream()
                            .write(("POST /api/aggregates/order-1/events?" + query + " HTTP/1.1\r\nHost: x\r\n"
                                            + "Authorization: Bearer " + scoped + "\r\n"
                                            + "Content-Type: application/json\r\nContent-Length: " + EVENT.length()
                                            + "\r\nConnection: close\r\n\r\n" + EVENT)
                                    .getBytes(StandardCharsets.US_ASCII));
                    String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

                    assertThat(response).as(query).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"");
                }
            }
            assertThat(t.store.read("order-1").version()).isZero();
        }
    }

    @Test
    void auth_noToken401_readerOrOtherScope403_writerInScope201_eachCounted() {
        FileTokenStore tokens = new FileTokenStore(dir);
        String reader = tokens.create("r", Role.reader, null).secret();
        String scoped = tokens.create("s", Role.writer, "order-").secret();
        String admin = tokens.create("a", Role.admin, null).secret();
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens))) {
            HttpResponse<String> none = t.http.send(
                    HttpRequest.newBuilder(t.uri("/api/aggregates/order-1/events"))
                            .POST(HttpRequest.BodyPublishers.ofString(EVENT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            var unknown = post(t, "/api/aggregates/order-1/events", "nope");
            var byReader = post(t, "/api/aggregates/order-1/events", reader);
            var outOfScope = post(t, "/api/aggregates/user-1/events", scoped);
            var system = post(t, "/api/aggregates/$audit/events", admin);
            var ok = post(t, "/api/aggregates/order-1/events", scoped);

            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(none.body()).contains("\"error\":\"unauthorized\"");
            assertThat(unknown.status()).isEqualTo(401);
            assertThat(unknown.json().get("message").asText()).isEqualTo("unknown or revoked token");
            assertThat(byReader.status()).isEqualTo(403);
            assertThat(byReader.json().get("message").asText()).contains("has role reader; this needs writer");
            assertThat(outOfScope.status()).isEqualTo(403);
            assertThat(outOfScope.json().get("message").asText()).contains("limited to aggregates starting with");
            assertThat(system.status()).isEqualTo(403);
            assertThat(system.json().get("message").asText()).contains("system aggregate");
            assertThat(ok.status()).as(ok.body()).isEqualTo(201);
            assertThat(t.store.read("order-1").version()).isEqualTo(1);
            assertThat(t.store.read("user-1").version()).isZero();
            String metrics = t.send(
                            HttpRequest.newBuilder(t.uri("/metrics")).header("Authorization", "Bearer " + admin))
                    .body();
            String route =
                    "hindsight_http_requests_total{method=\"POST\",route=\"/api/aggregates/{aggregate_id}/events\"";
            assertThat(metrics)
                    .contains(route + ",status=\"401\"} 2.0")
                    .contains(route + ",status=\"403\"} 3.0")
                    .contains(route + ",status=\"201\"} 1.0");
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The bulk route on the plain handler: the same checks, and the token's scope judged per entry. */
    @Test
    void bulk_auth_noToken401_reader403_scopedWriterPerEntry_eachCounted() throws Exception {
        FileTokenStore tokens = new FileTokenStore(dir);
        String reader = tokens.create("r", Role.reader, null).secret();
        String scoped = tokens.create("s", Role.writer, "order-").secret();
        String admin = tokens.create("a", Role.admin, null).secret();
        String body = "{\"appends\":[{\"aggregate_id\":\"order-1\",\"events\":" + EVENT
                + "},{\"aggregate_id\":\"user-1\",\"events\":" + EVENT + "}]}";
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens))) {
            HttpResponse<String> none = t.http.send(
                    HttpRequest.newBuilder(t.uri("/api/appends"))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            var byReader = t.send(HttpRequest.newBuilder(t.uri("/api/appends"))
                    .header("Authorization", "Bearer " + reader)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            var byScoped = t.send(HttpRequest.newBuilder(t.uri("/api/appends"))
                    .header("Authorization", "Bearer " + scoped)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));

            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(byReader.status()).isEqualTo(403);
            assertThat(byScoped.status()).as(byScoped.body()).isEqualTo(200);
            var results = byScoped.json().get("results");
            assertThat(results.get(0).get("last_version").asLong()).isEqualTo(1);
            assertThat(results.get(1).get("error").asText()).isEqualTo("forbidden");
            assertThat(results.get(1).get("message").asText()).contains("prefix scope");
            assertThat(t.store.read("user-1").version()).isZero();
            String metrics = t.send(
                            HttpRequest.newBuilder(t.uri("/metrics")).header("Authorization", "Bearer " + admin))
                    .body();
            String route = "hindsight_http_requests_total{method=\"POST\",route=\"/api/appends\"";
            assertThat(metrics)
                    .contains(route + ",status=\"401\"} 1.0")
                    .contains(route + ",status=\"403\"} 1.0")
                    .contains(route + ",status=\"200\"} 1.0");
        }
    }

    @Test
    void systemAggregate_withoutAuth_403() {
        try (TestServer t = new TestServer(new InMemoryEventLog())) {
            var r = t.post("/api/aggregates/$audit/events", EVENT);

            assertThat(r.status()).isEqualTo(403);
            assertThat(r.error()).isEqualTo("forbidden");
            assertThat(t.store.head().toString()).isEqualTo("0");
        }
    }

    @Test
    void rateLimit_appendOverTheLimit_429WithRetryAfter() throws Exception {
        FileTokenStore tokens = new FileTokenStore(dir);
        String writer = tokens.create("w", Role.writer, null).secret();
        try (TestServer t =
                new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens).rateLimit(1))) {
            HttpResponse<String> r = null;
            for (int i = 0; i < 5 && (r == null || r.statusCode() != 429); i++) {
                r = t.http.send(
                        HttpRequest.newBuilder(t.uri("/api/aggregates/a/events"))
                                .header("Authorization", "Bearer " + writer)
                                .POST(HttpRequest.BodyPublishers.ofString(EVENT))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            }

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(r.body()).contains("\"error\":\"rate_limited\"");
        }
    }

    /** A partitioned engine that does not own the aggregate names the node that does: 307 there, query kept. */
    @Test
    void notOwner_307WithLocationOfTheOwner() throws Exception {
        try (TestServer t = new TestServer(new ElsewhereLog())) {
            HttpResponse<String> r = t.http.send(
                    HttpRequest.newBuilder(t.uri("/api/aggregates/remote-1/events?x=1"))
                            .POST(HttpRequest.BodyPublishers.ofString(EVENT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(307);
            assertThat(r.headers().firstValue("Location"))
                    .hasValue("http://node-2:8080/api/aggregates/remote-1/events?x=1");
            assertThat(r.body()).contains("\"error\":\"not_owner\"");
        }
    }

    @Test
    void answer_isJsonWithExactContentLength_conflictCarriesExpectedAndActual() throws Exception {
        try (TestServer t = new TestServer(new InMemoryEventLog())) {
            t.post("/api/aggregates/a/events", EVENT);

            HttpResponse<byte[]> r = t.http.send(
                    HttpRequest.newBuilder(t.uri("/api/aggregates/a/events"))
                            .header("Expected-Version", "3")
                            .POST(HttpRequest.BodyPublishers.ofString(EVENT))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(r.body().length);
            assertThat(new String(r.body(), StandardCharsets.UTF_8))
                    .contains("\"error\":\"wrong_expected_version\"")
                    .contains("\"expected\":\"3\"")
                    .contains("\"actual\":1");
        }
    }

    /** Raw HTTP/1.1: an {@code Expect: 100-continue} client gets its 100 before it sends the body. */
    @Test
    void expectContinue_100ThenTheAnswer() throws IOException {
        try (TestServer t = new TestServer(new InMemoryEventLog());
                Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /api/aggregates/a/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Expect: 100-continue\r\nContent-Length: " + EVENT.length() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readHead(in)).startsWith("HTTP/1.1 100");

            out.write(EVENT.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readHead(in)).startsWith("HTTP/1.1 201");
        }
    }

    /** Two requests sent back to back on one connection: both answered in order, the connection kept. */
    @Test
    void pipelined_bothAnsweredOnOneConnection() throws IOException {
        try (TestServer t = new TestServer(new InMemoryEventLog());
                Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(5_000);
            String one = "POST /api/aggregates/p/events HTTP/1.1\r\nHost: x\r\nExpected-Version: %s\r\n"
                    + "Content-Length: " + EVENT.length() + "\r\n\r\n" + EVENT;
            s.getOutputStream()
                    .write((one.formatted("no_stream") + one.formatted("1")).getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();

            String first = readHead(in);
            in.readNBytes(contentLength(first));
            String second = readHead(in);

            assertThat(first).startsWith("HTTP/1.1 201").doesNotContainIgnoringCase("Connection: close");
            assertThat(second).startsWith("HTTP/1.1 201");
            assertThat(t.store.read("p").version()).isEqualTo(2);
        }
    }

    /** Ids with percent-escapes are decoded by Javalin as before; other methods on the path are Javalin's too. */
    @Test
    void escapedIds_otherMethods_stillServedByJavalin() {
        try (TestServer t = new TestServer(new InMemoryEventLog())) {
            var escaped = t.post("/api/aggregates/caf%C3%A9%20au%20lait/events", EVENT);
            var read = t.get("/api/aggregates/caf%C3%A9%20au%20lait/events");
            var put = t.send(HttpRequest.newBuilder(t.uri("/api/aggregates/a/events"))
                    .PUT(HttpRequest.BodyPublishers.ofString(EVENT)));

            assertThat(escaped.status()).as(escaped.body()).isEqualTo(201);
            assertThat(escaped.json().get("aggregate_id").asText()).isEqualTo("café au lait");
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.json().get("version").asLong()).isEqualTo(1);
            assertThat(put.status()).isEqualTo(405);
            assertThat(put.error()).isEqualTo("method_not_allowed");
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    /** The plain Jetty handler serves plain ids: no servlet or Javalin frame below the store's append. */
    @Test
    void plainId_servedWithoutServletOrJavalin_escapedIdThroughJavalin() {
        ElsewhereLog log = new ElsewhereLog();
        try (TestServer t = new TestServer(log)) {
            assertThat(t.post("/api/aggregates/plain-1/events", EVENT).status()).isEqualTo(201);
            List<String> plain = log.lastAppendCallers;
            boolean plainOnVirtualThread = log.lastAppendOnVirtualThread;
            assertThat(t.post("/api/aggregates/escaped%201/events", EVENT).status())
                    .isEqualTo(201);
            List<String> escaped = log.lastAppendCallers;

            assertThat(plain)
                    .contains("dev.hindsight.server.internal.AppendHandler")
                    .noneMatch(c -> c.startsWith("io.javalin.") || c.startsWith("org.eclipse.jetty.ee10."));
            assertThat(plainOnVirtualThread)
                    .as("blocking work on a virtual thread")
                    .isTrue();
            assertThat(escaped).anyMatch(c -> c.startsWith("io.javalin."));
        }
    }

    /**
     * An in-memory log that owns no aggregate named {@code remote-…} (their appends name another node) and remembers the
     * classes on the stack of its last append and whether it ran on a virtual thread.
     */
    static final class ElsewhereLog extends ForwardingLog {
        volatile List<String> lastAppendCallers = List.of();
        volatile boolean lastAppendOnVirtualThread;

        @Override
        public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            lastAppendCallers = java.util.Arrays.stream(Thread.currentThread().getStackTrace())
                    .map(StackTraceElement::getClassName)
                    .toList();
            lastAppendOnVirtualThread = Thread.currentThread().isVirtual();
            if (aggregateId.startsWith("remote-")) {
                throw new NotOwnerException("aggregate '" + aggregateId + "' is on node-2", "http://node-2:8080");
            }
            return inner.append(aggregateId, expected, events);
        }
    }
}
