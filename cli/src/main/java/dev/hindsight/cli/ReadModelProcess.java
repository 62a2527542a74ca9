package dev.hindsight.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hindsight.core.EventStore;
import dev.hindsight.server.ServerPlugin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code serve --role read-model}: the order system's projection runner without the HTTP API, and a minimal HTTP port
 * for operations: {@code GET /health} ({@code {"status":"ok","role":"read-model"}}) and {@code GET /metrics}
 * (Prometheus). Thread-safe; {@link #stop} is idempotent.
 */
final class ReadModelProcess {
    private final HttpServer http;
    private final ServerPlugin orders;
    private final EventStore store;
    private boolean stopped; // guarded by this

    private ReadModelProcess(HttpServer http, ServerPlugin orders, EventStore store) {
        this.http = http;
        this.orders = orders;
        this.store = store;
    }

    /**
     * Serves health and metrics on {@code host:port} while {@code orders} (started, its runner running) projects.
     *
     * @throws CliException if the port cannot be bound
     */
    static ReadModelProcess start(
            EventStore store, ServerPlugin orders, PrometheusMeterRegistry registry, String host, int port) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 50);
        } catch (IOException e) {
            orders.close();
            store.close();
            throw new CliException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext(
                "/health", ex -> answer(ex, 200, "application/json", "{\"status\":\"ok\",\"role\":\"read-model\"}"));
        http.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4", registry.scrape()));
        http.createContext(
                "/",
                ex -> answer(
                        ex,
                        404,
                        "application/json",
                        "{\"error\":\"not_found\",\"message\":\"this"
                                + " process runs the read-model role only: GET /health and /metrics; the API is on the api role\"}"));
        http.start();
        return new ReadModelProcess(http, orders, store);
    }

    private static void answer(HttpExchange ex, int status, String type, String body) {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** Stops HTTP, then the runner, then closes the store. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        http.stop(0);
        orders.close();
        store.close();
    }
}
