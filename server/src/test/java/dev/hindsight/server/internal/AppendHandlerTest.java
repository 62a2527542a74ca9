package dev.hindsight.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.tracing.Tracing;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which requests {@link AppendHandler} takes (the single and bulk appends) and which it passes on, on a bare Jetty server (no Javalin). */
class AppendHandlerTest {
    private static final String EVENT = "{\"event_type\":\"E\",\"event_data\":{}}";

    private final EventStore store = EventStore.of(new InMemoryEventLog());
    private final Server server = new Server();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        ServerMetrics metrics = new ServerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        AppendHandler append = new AppendHandler(
                new RouteGuard(null, metrics, new Audit(store), Tracing.off()),
                new EventsApi(store, metrics, 1 << 20),
                Runnable::run,
                store.appendAsyncNeverBlocks());
        // what the handler passes on answers 418
        append.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(418);
                response.write(true, ByteBuffer.allocate(0), callback);
                return true;
            }
        });
        server.setHandler(append);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        http.close();
        store.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return send(method, path, EVENT);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-1", "a.b_c~d", "x:1@2", "$audit", ".a."})
    void plainIds_servedByTheHandler(String id) throws Exception {
        HttpResponse<String> r = send("POST", "/api/aggregates/" + id + "/events");

        assertThat(r.statusCode()).as(r.body()).isIn(201, 403);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void plainId_appendsAndAnswersLikeTheRoute() throws Exception {
        HttpResponse<String> r = send("POST", "/api/aggregates/order-1/events");

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body())
                .isEqualTo("{\"aggregate_id\":\"order-1\",\"first_version\":1,\"last_version\":1,\"position\":\"1\"}");
        assertThat(store.read("order-1").version()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/aggregates/a%20b/events",
                "/api/aggregates/a+b/events",
                "/api/aggregates/a;x=1/events",
                "/api/aggregates/./events",
                "/api/aggregates/../events",
                "/api/aggregates/.../events",
                "/api/aggregates//events",
                "/api/aggregates/a/b/events",
                "/api/aggregates/a/events/",
                "/api/aggregates/a/Events",
                "/api/aggregates/events",
                "/api/aggregates/a/eventsx",
                "/api/aggregates/a\u00e9/events",
                "//api/aggregates/a/events",
                "/api/appends"
            })
    void aggregateId_pathsItDoesNotTake_null(String path) {
        assertThat(AppendHandler.aggregateId(path)).isNull();
    }

    @Test
    void aggregateId_plainSegment_isTheId() {
        assertThat(AppendHandler.aggregateId("/api/aggregates/order-1/events")).isEqualTo("order-1");
        assertThat(AppendHandler.aggregateId("/api/aggregates/$audit/events")).isEqualTo("$audit");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/aggregates/a%20b/events",
                "/api/aggregates/a+b/events",
                "/api/aggregates/a/events/",
                "/api/aggregates/a/b/events",
                "/api/appends/",
                "/api/%61ppends",
                "/api/appends/x"
            })
    void otherPaths_passedOn(String path) throws Exception {
        assertThat(send("POST", path).statusCode()).isEqualTo(418);
        assertThat(store.head().toString()).isEqualTo("0");
    }

    @Test
    void bulkPath_servedByTheHandler() throws Exception {
        HttpResponse<String> r = send(
                "POST",
                "/api/appends",
                "{\"appends\":[{\"aggregate_id\":\"b-1\",\"events\":" + EVENT + "},{\"aggregate_id\":\"$audit\","
                        + "\"events\":" + EVENT + "}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body())
                .startsWith("{\"results\":[{\"aggregate_id\":\"b-1\",\"first_version\":1,\"last_version\":1,"
                        + "\"position\":\"1\"},{\"aggregate_id\":\"$audit\",\"error\":\"forbidden\"");
        assertThat(store.head().toString()).isEqualTo("1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE"})
    void otherMethods_passedOn(String method) throws Exception {
        assertThat(send(method, "/api/appends").statusCode()).isEqualTo(418);
        assertThat(send(method, "/api/aggregates/a/events").statusCode()).isEqualTo(418);
        assertThat(store.head().toString()).isEqualTo("0");
    }
}
