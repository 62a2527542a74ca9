package dev.hindsight.orders;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The embedded default in-process: file log, file snapshots, SQLite read model, the order system mounted into a
 * started server on a free port, and a small HTTP client.
 */
public final class OrdersServer implements AutoCloseable {
    public final EventStore store;
    public final OrderSystem system;
    public final HindsightServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public OrdersServer(Path dir, Clock clock) {
        this(dir, clock, b -> b);
    }

    /** With extra server options (e.g. {@link HindsightServer.Builder#tokens}). */
    public OrdersServer(Path dir, Clock clock, UnaryOperator<HindsightServer.Builder> options) {
        this.store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
        this.system = OrderSystem.builder(store)
                .snapshots(FileSnapshotStore.open(dir.resolve("snapshots"), SnapshotRetention.DEFAULT))
                .readModel(ReadModelDatabase.sqlite(dir.resolve("readmodel.db")))
                .clock(clock)
                .build()
                .start();
        this.server = options.apply(
                        HindsightServer.builder(store).host("127.0.0.1").port(0).plugin(system.plugin()))
                .build()
                .start();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Response post(String path, String body) {
        return post(path, body, Map.of());
    }

    public Response post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return send(b);
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(
                    request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(
                    r.statusCode(),
                    r.body(),
                    r.headers().map().entrySet().stream()
                            .collect(java.util.stream.Collectors.toMap(
                                    e -> e.getKey().toLowerCase(java.util.Locale.ROOT),
                                    e -> e.getValue().getFirst())));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Places an order of {@code qty} × {@code sku} at {@code price} USD for {@code user}; returns its id. */
    public String create(String user, String sku, int qty, String price) {
        Response r = post(
                "/api/orders",
                "{\"user_id\":\"" + user + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":"
                        + qty + ",\"unit_price\":" + price + "}]}");
        if (r.status() != 201) {
            throw new AssertionError("create failed: " + r);
        }
        return r.json().get("order_id").asText();
    }

    @Override
    public void close() {
        server.stop();
        http.close();
    }

    /** An HTTP answer; header names lower-cased. */
    public record Response(int status, String body, Map<String, String> headers) {
        public JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        public String error() {
            return json().path("error").asText();
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }
}
