package dev.hindsight.loadgen;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Raw append throughput of a running server over HTTP, without the order system: {@code concurrency} clients, each
 * sending one request after another to new aggregates, with one seed-shaped event per aggregate. With {@code batch} 1
 * every request is {@code POST /api/aggregates/{id}/events}; with more, {@code POST /api/appends} of {@code batch}
 * aggregates. Runs a warm-up, then the measured window. Thread-safe; one run per instance.
 */
public final class AppendLoad {
    private final URI base;
    private final int batch;
    private final int concurrency;
    private final HttpAccess access;
    private final HttpClient http;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong sequence = new AtomicLong();
    private final byte[] event;

    private volatile boolean measuring;
    private volatile boolean stop;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final LatencyHistogram latency = new LatencyHistogram();
    private volatile @Nullable String firstError;

    /**
     * @param base the server's base URL
     * @param batch events (and aggregates) per request, 1 to 10,000
     * @param concurrency requests in flight
     */
    public AppendLoad(URI base, int batch, int concurrency) {
        this(base, batch, concurrency, HttpAccess.NONE);
    }

    /**
     * @param base the server's base URL
     * @param batch events (and aggregates) per request, 1 to 10,000
     * @param concurrency requests in flight
     * @param access token and TLS trust for the server
     */
    public AppendLoad(URI base, int batch, int concurrency, HttpAccess access) {
        this.access = access;
        this.http = access.client();
        if (batch < 1 || batch > 10_000 || concurrency < 1) {
            throw new IllegalArgumentException("batch must be 1 to 10000 and concurrency >= 1");
        }
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.batch = batch;
        this.concurrency = concurrency;
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("event_type", "OrderCreated");
        ObjectNode data = e.putObject("event_data");
        data.put("user_id", "user_12345");
        data.put("currency", "USD");
        data.putArray("items")
                .addObject()
                .put("sku", "book-4711")
                .put("quantity", 2)
                .put("unit_price", new java.math.BigDecimal("19.99"));
        data.put("total_amount", new java.math.BigDecimal("39.98"));
        e.putObject("metadata").put("user_id", "user_12345").put("correlation_id", "req_loadgen");
        this.event = Json.write(e).getBytes(StandardCharsets.UTF_8);
    }

    /** The outcome of the measured window. */
    public record Result(
            int batch,
            int concurrency,
            double seconds,
            long events,
            long failedEvents,
            double p50Millis,
            double p99Millis,
            double maxMillis,
            @Nullable String firstError) {
        public double eventsPerSecond() {
            return seconds <= 0 ? 0 : events / seconds;
        }

        /** A short table for the terminal. */
        public String table() {
            return String.format(
                    Locale.ROOT,
                    "appends over HTTP: %d event(s) per request (%s), %d in flight%n"
                            + "events/s %,.0f over %.1f s (%,d events, %,d failed)%n"
                            + "request latency ms: p50 %.2f  p99 %.2f  max %.2f%n%s",
                    batch,
                    batch == 1 ? "POST /api/aggregates/{id}/events" : "POST /api/appends",
                    concurrency,
                    eventsPerSecond(),
                    seconds,
                    events,
                    failedEvents,
                    p50Millis,
                    p99Millis,
                    maxMillis,
                    firstError == null ? "" : "first error: " + firstError + System.lineSeparator());
        }

        /** The result as JSON. */
        public String toJson() {
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("workload", "appends");
            o.put("events_per_request", batch);
            o.put("concurrency", concurrency);
            o.put("seconds", seconds);
            o.put("events", events);
            o.put("failed_events", failedEvents);
            o.put("events_per_second", Math.round(eventsPerSecond()));
            ObjectNode l = o.putObject("request_latency_ms");
            l.put("p50", p50Millis);
            l.put("p99", p99Millis);
            l.put("max", maxMillis);
            o.put("first_error", firstError);
            return Json.write(o);
        }
    }

    /** Runs {@code warmup} unmeasured, then {@code duration} measured; progress lines go to {@code progress}. */
    public Result run(Duration warmup, Duration duration, @Nullable PrintWriter progress) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            clients.add(Thread.ofVirtual().name("appender-" + i).start(this::loop));
        }
        try {
            Thread.sleep(warmup.toMillis());
            measuring = true;
            long t0 = System.nanoTime();
            Thread.sleep(duration.toMillis());
            measuring = false;
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (progress != null) {
                progress.printf("loadgen appends: %,d events in %.1f s%n", events.get(), seconds);
                progress.flush();
            }
            LatencyHistogram.Summary l = latency.summary();
            return new Result(
                    batch, concurrency, seconds, events.get(), failed.get(), l.p50(), l.p99(), l.max(), firstError);
        } finally {
            stop = true;
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
    }

    private void loop() {
        while (!stop) {
            long n = sequence.getAndAdd(batch);
            HttpRequest request = request(n);
            long t0 = System.nanoTime();
            int ok;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                ok = accepted(r.statusCode(), r.body());
            } catch (IOException e) {
                ok = 0;
                noteError(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (measuring) {
                latency.recordNanos(System.nanoTime() - t0);
                events.addAndGet(ok);
                failed.addAndGet(batch - ok);
            }
        }
    }

    private HttpRequest request(long n) {
        if (batch == 1) {
            return access.authorize(HttpRequest.newBuilder(
                            URI.create(base + "/api/aggregates/lg-" + run + "-" + n + "/events")))
                    .header("Content-Type", "application/json")
                    .header("Expected-Version", "no_stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(event))
                    .build();
        }
        StringBuilder body = new StringBuilder(batch * (event.length + 64)).append("{\"appends\":[");
        String e = new String(event, StandardCharsets.UTF_8);
        for (int i = 0; i < batch; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"aggregate_id\":\"lg-")
                    .append(run)
                    .append('-')
                    .append(n + i)
                    .append("\",\"expected_version\":\"no_stream\",\"events\":")
                    .append(e)
                    .append('}');
        }
        body.append("]}");
        return access.authorize(HttpRequest.newBuilder(URI.create(base + "/api/appends")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    /** Events the answer accepted. */
    private int accepted(int status, String body) {
        if (batch == 1) {
            if (status == 201) {
                return 1;
            }
            noteError("HTTP " + status + ": " + body);
            return 0;
        }
        if (status != 200) {
            noteError("HTTP " + status + ": " + body);
            return 0;
        }
        int errors = 0;
        for (int i = body.indexOf("\"error\""); i >= 0; i = body.indexOf("\"error\"", i + 7)) {
            errors++;
        }
        if (errors > 0) {
            noteError(body.length() > 300 ? body.substring(0, 300) : body);
        }
        return batch - errors;
    }

    private void noteError(String e) {
        if (firstError == null) {
            firstError = e;
        }
    }
}
