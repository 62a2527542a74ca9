package dev.hindsight.server.internal;

import dev.hindsight.core.AppendResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();

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
        // Looked up without building a meter id each time (a builder, tags, and the registry's lookup were ~1 % of a
        // single append's server CPU); the set of method, route and status is small and fixed by the routes.
        requests.computeIfAbsent(
                        new RequestKey(method, route, status),
                        k -> Counter.builder("hindsight.http.requests")
                                .description("HTTP requests by route and status")
                                .tag("method", k.method())
                                .tag("route", k.route())
                                .tag("status", Integer.toString(k.status()))
                                .register(registry))
                .increment();
    }

    private record RequestKey(String method, String route, int status) {}

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
