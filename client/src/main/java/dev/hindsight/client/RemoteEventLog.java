package dev.hindsight.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.client.internal.Http;
import dev.hindsight.client.internal.LiveSignal;
import dev.hindsight.client.internal.Wire;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A remote Hindsight server as an {@link EventLog}: {@code EventStore.of(RemoteEventLog.connect(uri))} appends with
 * expected versions, reads aggregates, travels in time, reads the global log and subscribes, over the server's HTTP API
 * ({@code hindsight serve}), with the same results and exceptions as an embedded engine (the conformance suite runs
 * against it).
 *
 * <p>Live subscriptions ({@code EventStore.subscribe}) wait through the server's Server-Sent Events feed, which wakes
 * them when events commit; they read the events from the global log after their own cursor, so a dropped connection
 * loses nothing: the feed reconnects with {@code Last-Event-ID}, and the subscription continues from its cursor.
 *
 * <p>Transport failures throw {@link dev.hindsight.core.StoreUnavailableException} (transient: retrying may succeed);
 * an append whose answer was lost can be retried safely with the same event ids (idempotent). Thread-safe.
 */
public final class RemoteEventLog implements EventLog {
    /** Longest a waiter sleeps between looks at the global log when the live feed is quiet or down. */
    private static final long POLL_MILLIS = 100;

    private static final Duration POLL = Duration.ofMillis(POLL_MILLIS);

    private final Http http;
    private final LiveSignal live;
    private volatile boolean closed;

    /**
     * Connection settings.
     *
     * @param connectTimeout for opening a connection
     * @param requestTimeout for one request's answer
     */
    public record Options(Duration connectTimeout, Duration requestTimeout) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(5), Duration.ofSeconds(30));

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
        }
    }

    private RemoteEventLog(URI base, Options options) {
        this.http = new Http(base, options.connectTimeout(), options.requestTimeout());
        this.live = new LiveSignal(http);
    }

    /**
     * A client of the server at {@code baseUri} (e.g. {@code http://127.0.0.1:8080}). Connects lazily: nothing is sent
     * until the first call.
     *
     * @throws IllegalArgumentException if {@code baseUri} is not an absolute http(s) URI
     */
    public static RemoteEventLog connect(URI baseUri) {
        return connect(baseUri, Options.DEFAULT);
    }

    public static RemoteEventLog connect(URI baseUri, Options options) {
        String scheme = baseUri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("the server URI must be http:// or https://, was '" + baseUri + "'");
        }
        return new RemoteEventLog(baseUri, options);
    }

    /** The server's base URI. */
    public URI baseUri() {
        return http.base();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Timestamps the client's store assigned (the caller gave none) follow the embedded engines' rule: one that
     * would go backwards in the aggregate (concurrent appenders, another client's clock ahead) is not refused. The
     * append is sent once more without those timestamps, so the server assigns them and moves them up as its engine
     * does; the expected version is still checked by the server.
     */
    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        checkOpen();
        try {
            return post(aggregateId, expected, events, false);
        } catch (TimestampOrderException e) {
            if (events.stream().noneMatch(ProposedEvent::timestampAssigned)) {
                throw e;
            }
            return post(aggregateId, expected, events, true);
        }
    }

    private AppendResult post(
            String aggregateId, ExpectedVersion expected, List<ProposedEvent> events, boolean serverAssigns) {
        Http.Response r = http.postJson(
                eventsPath(aggregateId),
                Wire.appendBody(events, serverAssigns),
                "Expected-Version",
                expected.toString());
        if (r.status() != 201) {
            throw Wire.error(r.status(), r.body(), aggregateId);
        }
        return Wire.appendResult(Wire.tree(r.body()));
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        checkOpen();
        String query = "?from_version=" + fromVersion + "&limit=" + limit + "&direction="
                + (direction == ReadDirection.FORWARD ? "forward" : "backward");
        JsonNode page = aggregatePage(aggregateId, query);
        return page == null ? List.of() : Wire.events(page);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        checkOpen();
        JsonNode page = aggregatePage(aggregateId, "?direction=backward&limit=1");
        return page == null ? 0 : page.required("version").asLong();
    }

    /** A page of an aggregate; {@code null} when the server says it has no events (404). */
    private @org.jspecify.annotations.Nullable JsonNode aggregatePage(String aggregateId, String query) {
        Http.Response r = http.get(eventsPath(aggregateId) + query);
        if (r.status() == 404) {
            JsonNode n = Wire.tree(r.body());
            if ("not_found".equals(n.path("error").asText())) {
                return null;
            }
        }
        if (r.status() != 200) {
            throw Wire.error(r.status(), r.body(), aggregateId);
        }
        return Wire.tree(r.body());
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        checkOpen();
        StringBuilder q = new StringBuilder("/api/events?after=")
                .append(Http.encode(after.toString()))
                .append("&limit=")
                .append(limit);
        if (!filter.eventTypes().isEmpty()) {
            q.append("&event_type=").append(Http.encode(String.join(",", filter.eventTypes())));
        }
        if (!filter.aggregatePrefix().isEmpty()) {
            q.append("&aggregate_prefix=").append(Http.encode(filter.aggregatePrefix()));
        }
        Http.Response r = http.get(q.toString());
        if (r.status() != 200) {
            throw Wire.error(r.status(), r.body(), "");
        }
        JsonNode page = Wire.tree(r.body());
        return new GlobalSlice(
                Wire.events(page), Position.parse(page.required("next").asText()));
    }

    @Override
    public Position head() {
        checkOpen();
        Http.Response r = http.get("/health");
        if (r.status() != 200) {
            throw Wire.error(r.status(), r.body(), "");
        }
        return Position.parse(Wire.tree(r.body()).required("head").asText());
    }

    /**
     * Waits for an event after {@code after}: woken by the server's live feed, checked against the global log (at
     * least every {@value #POLL_MILLIS} ms, so a quiet or broken feed only delays). While the server is out of reach it
     * keeps looking until the timeout, then returns {@code false}.
     */
    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) {
                return false;
            }
            long seen = live.generation(); // before the look, so a commit between the two still wakes us
            try {
                if (!readAll(after, 1, EventFilter.ALL).events().isEmpty()) {
                    return true;
                }
            } catch (StoreUnavailableException e) {
                // the server is out of reach: nothing to report yet; look again until the timeout
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            live.awaitChange(seen, Duration.ofNanos(Math.min(left, POLL.toNanos())));
        }
    }

    /**
     * Stops the live feed and the HTTP client; later calls throw {@link StoreClosedException}. The server is not
     * affected. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        live.close();
        http.client().shutdownNow(); // its selector thread; in-flight calls fail with StoreUnavailableException
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreClosedException("this client of " + http.base() + " is closed");
        }
    }

    private static String eventsPath(String aggregateId) {
        if (aggregateId.isEmpty()) {
            throw new InvalidRequestException("aggregate_id must not be empty");
        }
        return "/api/aggregates/" + Http.encode(aggregateId) + "/events";
    }
}
