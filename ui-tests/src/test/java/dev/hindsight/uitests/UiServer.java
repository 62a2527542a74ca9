package dev.hindsight.uitests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderSystem;
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
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default in-process, as {@code ./hindsight serve} wires it: file log, file snapshots, SQLite read model,
 * the order system (API and web UI) mounted into a server on a free local port; plus a small JSON client for setting
 * up data behind the browser's back.
 */
final class UiServer implements AutoCloseable {
    private final HindsightServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    UiServer(Path dir) {
        this(dir, null);
    }

    /** With authentication on when {@code tokens} is given. */
    UiServer(Path dir, @Nullable TokenStore tokens) {
        EventStore store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
        OrderSystem system = OrderSystem.builder(store)
                .snapshots(FileSnapshotStore.open(dir.resolve("snapshots"), SnapshotRetention.DEFAULT))
                .readModel(ReadModelDatabase.sqlite(dir.resolve("readmodel.db")))
                .build()
                .start();
        this.server = HindsightServer.builder(store)
                .host("127.0.0.1")
                .port(0)
                .keepAlive(Duration.ofSeconds(2))
                .shutdownTimeout(Duration.ofSeconds(2))
                .plugin(system.plugin())
                .tokens(tokens)
                .build()
                .start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET(), 200);
    }

    JsonNode post(String path, String json, int expectedStatus) {
        return send(
                HttpRequest.newBuilder(URI.create(url(path)))
                        .header("Content-Type", "application/json")
                        .header("X-User-Id", "api-test")
                        .POST(HttpRequest.BodyPublishers.ofString(json)),
                expectedStatus);
    }

    /** Places an order through the API; returns its id. */
    String createOrder(String user, String sku, int quantity, String unitPrice) {
        return post(
                        "/api/orders",
                        "{\"user_id\":\"" + user + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"" + sku
                                + "\",\"quantity\":" + quantity + ",\"unit_price\":" + unitPrice + "}]}",
                        201)
                .get("order_id")
                .asText();
    }

    void pay(String orderId) {
        String total = get("/api/orders/" + orderId).get("total_amount").asText();
        post(
                "/api/orders/" + orderId + "/pay",
                "{\"payment_id\":\"pay_api\",\"amount\":" + total + ",\"payment_method\":\"card\"}",
                200);
    }

    private JsonNode send(HttpRequest.Builder request, int expectedStatus) {
        try {
            HttpResponse<String> r = http.send(
                    request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() != expectedStatus) {
                throw new AssertionError("expected " + expectedStatus + " but got " + r.statusCode() + ": " + r.body());
            }
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.stop(); // also closes the order system and the store
        http.close();
    }
}
