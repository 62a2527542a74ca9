package dev.hindsight.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.spi.EventLog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** A started server on a random local port plus a small HTTP client for it. */
final class TestServer implements AutoCloseable {
    final EventStore store;
    final HindsightServer server;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(EventLog log) {
        this(log, b -> b);
    }

    TestServer(EventLog log, UnaryOperator<HindsightServer.Builder> options) {
        this.store = EventStore.of(log);
        this.server = options.apply(
                        HindsightServer.builder(store).host("127.0.0.1").port(0).keepAlive(Duration.ofMillis(200)))
                .build()
                .start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Response post(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response post(String path, String body, String expectedVersion) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Expected-Version", expectedVersion)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(
                    request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(
                    r.statusCode(),
                    r.body(),
                    r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.stop();
        http.close();
    }

    record Response(int status, String body, String contentType) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        String error() {
            return json().path("error").asText();
        }
    }
}
