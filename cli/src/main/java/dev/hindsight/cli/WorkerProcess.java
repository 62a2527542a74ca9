package dev.hindsight.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code serve} process without the {@code api} role ({@code --role read-model}, {@code snapshots} or both): its
 * background services, and a minimal HTTP port for operations: {@code GET /health}
 * ({@code {"status":"ok","role":"<roles>"}}, or {@code "status":"standby"} while a leased role waits for its lease,
 * {@link LeasedRole}) and {@code GET /metrics} (Prometheus). Thread-safe; {@link #stop} is idempotent.
 */
final class WorkerProcess {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);

    private final HttpServer http;
    private final List<AutoCloseable> parts;
    private boolean stopped; // guarded by this

    private WorkerProcess(HttpServer http, List<AutoCloseable> parts) {
        this.http = http;
        this.parts = List.copyOf(parts);
    }

    /**
     * Serves health and metrics on {@code host:port} while {@code parts} (started) run.
     *
     * @param parts what the process runs, closed in this order on stop (the store last)
     * @throws CliException if the port cannot be bound
     */
    static WorkerProcess start(
            Roles roles, List<AutoCloseable> parts, PrometheusMeterRegistry registry, String host, int port) {
        return start(roles, parts, () -> "ok", () -> null, registry, host, port);
    }

    /**
     * As {@link #start(Roles, List, PrometheusMeterRegistry, String, int)}, with {@code GET /health}'s status
     * ({@code ok}, {@code standby}) from {@code status}, and its {@code partitions} (those of a Kafka topic this
     * process applies, {@link PartitionedReadModel}) from {@code partitions} unless that gives null.
     */
    static WorkerProcess start(
            Roles roles,
            List<AutoCloseable> parts,
            Supplier<String> status,
            Supplier<@Nullable List<Integer>> partitions,
            PrometheusMeterRegistry registry,
            String host,
            int port) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 50);
        } catch (IOException e) {
            closeAll(parts);
            throw new CliException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext(
                "/health", ex -> answer(ex, 200, "application/json", health(roles, status.get(), partitions.get())));
        http.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4", registry.scrape()));
        http.createContext(
                "/",
                ex -> answer(
                        ex,
                        404,
                        "application/json",
                        "{\"error\":\"not_found\",\"message\":\"this process runs the " + roles + " role: GET /health"
                                + " and /metrics only; the HTTP API is on the api role\"}"));
        http.start();
        return new WorkerProcess(http, parts);
    }

    /** The body of {@code GET /health}. */
    static String health(Roles roles, String status, @Nullable List<Integer> partitions) {
        String body = "{\"status\":\"" + status + "\",\"role\":\"" + roles + "\"";
        if (partitions != null) {
            body += ",\"partitions\":" + partitions.toString().replace(" ", "");
        }
        return body + "}";
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

    /** Stops HTTP, then the parts in order. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        http.stop(0);
        closeAll(parts);
    }

    /** Closes {@code parts} in order, logging what fails. */
    static void closeQuietly(List<AutoCloseable> parts) {
        closeAll(parts);
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception e) {
                LOG.warn("{} did not close cleanly", p, e);
            }
        }
    }
}
