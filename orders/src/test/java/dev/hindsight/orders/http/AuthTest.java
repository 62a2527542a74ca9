package dev.hindsight.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.orders.OrdersServer;
import dev.hindsight.orders.OrdersServer.Response;
import dev.hindsight.testkit.clock.SteppingClock;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authentication and authorization of every route with tokens in the data directory's {@code tokens.json}. */
class AuthTest {
    private static final String ORDER =
            "{\"user_id\":\"u1\",\"currency\":\"USD\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price\":2.50}]}";
    private static final String EVENT = "{\"event_type\":\"Noted\",\"event_data\":{}}";

    @TempDir
    Path dir;

    private TokenStore tokens;
    private OrdersServer t;
    private String admin;

    @BeforeEach
    void start() {
        tokens = new FileTokenStore(dir);
        admin = tokens.create("root", Role.admin, null).secret();
        t = new OrdersServer(dir, new SteppingClock(1), b -> b.tokens(tokens).tokenRefresh(Duration.ofMillis(100)));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private Response as(String token, String method, String path, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(t.uri(path)).header("Content-Type", "application/json");
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return t.send("GET".equals(method) ? r.GET() : r.method(method, HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void everyDocumentedRoute_withoutOrWithABadToken_answers401Json_andOnlyHealthIsOpen() {
        String orderId =
                as(admin, "POST", "/api/orders", ORDER).json().get("order_id").asText();
        assertThat(as(admin, "POST", "/api/aggregates/ord_x/events", EVENT).status())
                .isEqualTo(201);
        JsonNode doc = as(admin, "GET", "/api/openapi.json", "").json();
        Map<String, String> samples =
                Map.of("{aggregate_id}", "ord_x", "{order_id}", orderId, "{name}", "orders", "{subject}", "someone");
        int routes = 0;
        List<String> successes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            String concrete = path.getKey();
            for (Map.Entry<String, String> s : samples.entrySet()) {
                concrete = concrete.replace(s.getKey(), s.getValue());
            }
            List<String> methods = new ArrayList<>();
            path.getValue().fieldNames().forEachRemaining(methods::add);
            for (String method : methods) {
                if (!Set.of("get", "post", "put", "patch", "delete").contains(method)) {
                    continue;
                }
                String m = method.toUpperCase(Locale.ROOT);
                if (m.equals("GET") && path.getKey().equals("/health")) {
                    assertThat(as(null, m, concrete, "").status()).isEqualTo(200);
                    continue;
                }
                routes++;
                for (String token : new String[] {null, "hs_not-a-real-token", ""}) {
                    Response r = as(token, m, concrete, m.equals("POST") ? EVENT : "");
                    if (r.status() < 400) {
                        successes.add(m + " " + concrete + " -> " + r.status());
                    }
                    assertThat(r.status()).as(m + " " + concrete).isEqualTo(401);
                    assertThat(r.error()).isEqualTo("unauthorized");
                    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
                    assertThat(r.body()).doesNotContain("hs_not-a-real-token");
                }
            }
        }
        assertThat(routes).isGreaterThanOrEqualTo(20);
        assertThat(successes).isEmpty();
    }

    @Test
    void roles_readerReads_writerWrites_adminRebuilds() {
        String reader = tokens.create("r", Role.reader, null).secret();
        String writer = tokens.create("w", Role.writer, null).secret();
        awaitAccepted(writer);

        assertThat(as(reader, "GET", "/api/orders", "").status()).isEqualTo(200);
        assertThat(as(reader, "GET", "/metrics", "").status()).isEqualTo(200);
        Response denied = as(reader, "POST", "/api/aggregates/a-1/events", EVENT);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.error()).isEqualTo("forbidden");
        assertThat(denied.json().get("message").asText()).contains("writer");
        assertThat(as(reader, "POST", "/api/orders", ORDER).status()).isEqualTo(403);

        assertThat(as(writer, "POST", "/api/aggregates/a-1/events", EVENT).status())
                .isEqualTo(201);
        assertThat(as(writer, "POST", "/api/orders", ORDER).status()).isEqualTo(201);
        assertThat(as(writer, "POST", "/api/projections/orders/rebuild", "").status())
                .isEqualTo(403);
        assertThat(as(admin, "POST", "/api/projections/orders/rebuild", "").status())
                .isLessThan(300);
        // Only the writer's event and order were stored: the refused ones changed nothing.
        assertThat(userEvents(as(admin, "GET", "/api/events?after=0", "").json()))
                .hasSize(2);
    }

    @Test
    void prefixScope_refusesEveryWriteOutsideIt() {
        String ordWriter = tokens.create("ord-writer", Role.writer, "ord_").secret();
        String usrWriter = tokens.create("usr-writer", Role.writer, "usr_").secret();
        awaitAccepted(usrWriter);

        assertThat(as(ordWriter, "POST", "/api/aggregates/usr_1/events", EVENT).status())
                .isEqualTo(403);
        assertThat(as(ordWriter, "POST", "/api/aggregates/ord_1/events", EVENT).status())
                .isEqualTo(201);
        JsonNode bulk = as(
                        ordWriter,
                        "POST",
                        "/api/appends",
                        "{\"appends\":[{\"aggregate_id\":\"usr_1\",\"events\":" + EVENT
                                + "},{\"aggregate_id\":\"ord_2\",\"events\":" + EVENT + "}]}")
                .json()
                .get("results");
        assertThat(bulk.get(0).get("error").asText()).isEqualTo("forbidden");
        assertThat(bulk.get(1).get("last_version").asLong()).isEqualTo(1);
        assertThat(as(ordWriter, "POST", "/api/orders", ORDER).status()).isEqualTo(201);
        assertThat(as(usrWriter, "POST", "/api/orders", ORDER).status()).isEqualTo(403);
        // Reads: the aggregate's own routes and the global log are scoped too.
        assertThat(as(ordWriter, "GET", "/api/aggregates/usr_1/events", "").status())
                .isEqualTo(403);
        assertThat(as(ordWriter, "GET", "/api/events?after=0", "").status()).isEqualTo(403);
        assertThat(as(ordWriter, "GET", "/api/events?after=0&aggregate_prefix=ord_", "")
                        .status())
                .isEqualTo(200);

        assertThat(as(admin, "GET", "/api/aggregates/usr_1/events", "").status())
                .isEqualTo(404);
        assertThat(userEvents(as(admin, "GET", "/api/events?after=0", "").json()))
                .extracting(e -> e.get("aggregate_id").asText())
                .allMatch(id -> id.startsWith("ord_"))
                .hasSize(3);
    }

    @Test
    void tokensCreatedOrRevokedElsewhere_takeEffectWithinASecond() {
        TokenStore cli = new FileTokenStore(dir); // another instance, as the CLI would be
        String late = cli.create("late", Role.reader, null).secret();
        long created = System.nanoTime();
        awaitStatus(late, 200);
        assertThat(Duration.ofNanos(System.nanoTime() - created)).isLessThan(Duration.ofSeconds(1));

        cli.revoke("late");
        long revoked = System.nanoTime();
        awaitStatus(late, 401);
        assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void liveFeed_acceptsTheTokenAsAQueryParameter_forBrowsersEventSource() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(
                HttpRequest.newBuilder(t.uri("/api/events/live?after=0&access_token=" + admin))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        assertThat(as(null, "GET", "/api/events/live?access_token=wrong", "").status())
                .isEqualTo(401);
        // Elsewhere only the header counts.
        assertThat(as(null, "GET", "/api/orders?access_token=" + admin, "").status())
                .isEqualTo(401);
        http.close();
    }

    /** The events of a global-log page outside the server's system aggregates ({@code $audit}). */
    private static List<JsonNode> userEvents(JsonNode page) {
        List<JsonNode> out = new ArrayList<>();
        page.get("events").forEach(e -> {
            if (!e.get("aggregate_id").asText().startsWith("$")) {
                out.add(e);
            }
        });
        return out;
    }

    private static List<String> auditTypes(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("events")
                .forEach(e -> out.add(e.get("event_type").asText() + " "
                        + e.get("event_data")
                                .path("name")
                                .asText(e.get("event_data").path("path").asText())));
        return out;
    }

    @Test
    void auditTrail_tokenChangesAndAdminRequests_readableByAdminsOnly() throws InterruptedException {
        String reader = tokens.create("reader", Role.reader, null).secret();
        awaitAccepted(reader);
        tokens.revoke("reader");
        awaitStatus(reader, 401);
        assertThat(as(admin, "POST", "/api/projections/orders/rebuild", "").status())
                .isLessThan(300);
        String writer = tokens.create("writer", Role.writer, null).secret();
        awaitAccepted(writer);

        // the server installs a reloaded token before it appends the token's audit event: wait for the event
        List<String> expected = List.of(
                "TokenCreated root",
                "TokenCreated reader",
                "TokenRevoked reader",
                "AdminRequest /api/projections/orders/rebuild",
                "TokenCreated writer");
        long deadline = System.nanoTime() + 10_000_000_000L;
        Response trail = as(admin, "GET", "/api/aggregates/$audit/events", "");
        while (trail.status() == 200
                && !auditTypes(trail.json()).contains(expected.getLast())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            trail = as(admin, "GET", "/api/aggregates/$audit/events", "");
        }
        assertThat(trail.status()).as(trail.body()).isEqualTo(200);
        assertThat(auditTypes(trail.json())).containsSubsequence(expected);
        assertThat(trail.body()).doesNotContain(reader, writer, admin);
        JsonNode rebuild = null;
        for (JsonNode e : trail.json().get("events")) {
            if (e.get("event_type").asText().equals("AdminRequest")) {
                rebuild = e;
            }
        }
        assertThat(rebuild.get("metadata").get("user_id").asText()).isEqualTo("token:root");

        assertThat(as(writer, "GET", "/api/aggregates/$audit/events", "").status())
                .isEqualTo(403);
        assertThat(as(writer, "POST", "/api/aggregates/$audit/events", EVENT).status())
                .isEqualTo(403);
        assertThat(as(admin, "POST", "/api/aggregates/$audit/events", EVENT).status())
                .isEqualTo(403);
        assertThat(as(writer, "GET", "/api/events?after=0", "").json().get("events"))
                .noneMatch(e -> e.get("aggregate_id").asText().startsWith("$"));
        assertThat(as(admin, "GET", "/api/events?after=0", "").json().get("events"))
                .anyMatch(e -> e.get("aggregate_id").asText().equals("$audit"));
    }

    private void awaitAccepted(String token) {
        awaitStatus(token, 200);
    }

    private void awaitStatus(String token, int status) {
        Supplier<Integer> probe = () -> as(token, "GET", "/api/projections", "").status();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (probe.get() != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("token never answered " + status);
            }
            Thread.onSpinWait();
        }
    }
}
