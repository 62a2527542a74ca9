package dev.hindsight.server.internal;

import dev.hindsight.core.AppendResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's own meters: appends, appended events, append errors by code, HTTP requests by route and status, open
 * live feeds. Thread-safe.
 */
public final class ServerMetrics {
    private final MeterRegistry registry;
    private final Counter appends;
    private final Counter events;
    private final AtomicInteger liveClients = new AtomicInteger();

    public ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.appends = Counter.builder("hindsight.appends")
                .description("Successful appends (including idempotent retries)")
                .register(registry);
        this.events = Counter.builder("hindsight.appended.events")
                .description("Events in successful appends")
                .register(registry);
        Gauge.builder("hindsight.live.clients", liveClients, AtomicInteger::get)
                .description("Open /api/events/live streams")
                .register(registry);
    }

    public void appended(AppendResult r) {
        appends.increment();
        events.increment(r.lastVersion() - r.firstVersion() + 1);
    }

    public void appendFailed(String code) {
        Counter.builder("hindsight.append.errors")
                .description("Rejected or failed appends by error code")
                .tag("code", code)
                .register(registry)
                .increment();
    }

    public void request(String method, String route, int status) {
        Counter.builder("hindsight.http.requests")
                .description("HTTP requests by route and status")
                .tag("method", method)
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .register(registry)
                .increment();
    }

    public void liveOpened() {
        liveClients.incrementAndGet();
    }

    public void liveClosed() {
        liveClients.decrementAndGet();
    }

    /** Open live streams now. */
    public int liveClients() {
        return liveClients.get();
    }
}
