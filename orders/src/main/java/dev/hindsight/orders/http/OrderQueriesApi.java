package dev.hindsight.orders.http;

import dev.hindsight.aggregate.Loaded;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.decider.OrderStatus;
import dev.hindsight.orders.projection.OrderQueries;
import dev.hindsight.orders.projection.OrdersProjection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.server.ApiException;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The order system's reads: one order from the write side (now, at a version, or as of an instant), its audit trail,
 * lists from the read model (optionally after waiting for a position: read-your-writes), projection status.
 * Thread-safe.
 */
final class OrderQueriesApi {
    private final OrderService service;
    private final EventStore store;
    private final @Nullable ProjectionEngine projections;
    private final Duration minPositionTimeout;

    OrderQueriesApi(
            OrderService service,
            EventStore store,
            @Nullable ProjectionEngine projections,
            Duration minPositionTimeout) {
        this.service = Objects.requireNonNull(service);
        this.store = Objects.requireNonNull(store);
        this.projections = projections;
        this.minPositionTimeout = Objects.requireNonNull(minPositionTimeout);
    }

    /** {@code GET /api/orders/{order_id}?version=N | ?as_of=T}. */
    void get(Context ctx) {
        String id = OrderCommandsApi.orderId(ctx);
        String versionText = query(ctx, "version");
        String asOfText = query(ctx, "as_of");
        if (versionText != null && asOfText != null) {
            throw new InvalidRequestException("give version or as_of, not both");
        }
        Loaded<OrderState> loaded;
        if (versionText != null) {
            long version = parseLong(versionText, "version");
            if (version < 1) {
                throw new InvalidRequestException("version must be >= 1, was " + version);
            }
            loaded = service.loadAtVersion(id, version);
            if (loaded.exists() && loaded.version() < version) {
                throw new ApiException(
                        404, "not_found", "order '" + id + "' has " + loaded.version() + " versions, not " + version);
            }
        } else if (asOfText != null) {
            loaded = service.loadAsOf(id, instant(asOfText, "as_of"));
            if (!loaded.exists()) {
                throw new ApiException(404, "not_found", "order '" + id + "' did not exist at " + asOfText);
            }
        } else {
            loaded = service.load(id);
        }
        if (!loaded.exists()) {
            throw OrderErrors.notFound(id);
        }
        ctx.contentType("application/json").result(OrderJson.state(loaded.state(), loaded.version()));
    }

    /** {@code GET /api/orders/{order_id}/history}. */
    void history(Context ctx) {
        String id = OrderCommandsApi.orderId(ctx);
        List<RecordedEvent> events = service.history(id);
        if (events.isEmpty()) {
            throw OrderErrors.notFound(id);
        }
        ctx.contentType("application/json").result(OrderJson.history(id, events));
    }

    /** {@code GET /api/orders?user_id=&status=&created_from=&created_to=&limit=&cursor=&min_position=}. */
    void list(Context ctx) throws InterruptedException {
        ProjectionEngine engine = engine();
        String statusText = query(ctx, "status");
        String from = query(ctx, "created_from");
        String to = query(ctx, "created_to");
        String limit = query(ctx, "limit");
        String cursor = query(ctx, "cursor");
        OrderQueries.Filter filter = new OrderQueries.Filter(
                query(ctx, "user_id"),
                statusText == null ? null : OrderStatus.parse(statusText),
                from == null ? null : instant(from, "created_from"),
                to == null ? null : instant(to, "created_to"),
                limit == null ? OrderQueries.DEFAULT_LIMIT : limit(limit),
                cursor == null ? null : OrderQueries.Cursor.decode(cursor));
        if (filter.status() == OrderStatus.NONE) {
            throw new InvalidRequestException("unknown status 'none'");
        }
        String minPosition = query(ctx, "min_position");
        if (minPosition != null) {
            awaitPosition(engine, minPosition);
        }
        OrderQueries.Page page = engine.query(OrdersProjection.NAME, s -> OrderQueries.list(s, filter));
        ctx.contentType("application/json").result(OrderJson.page(page));
    }

    private void awaitPosition(ProjectionEngine engine, String text) throws InterruptedException {
        Position p;
        try {
            p = Position.parse(text);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException("min_position: " + e.getMessage());
        }
        if (p.getClass() != store.log().start().getClass()) {
            throw new InvalidRequestException("min_position '" + text + "' is not a position of this store (like '"
                    + store.log().start() + "')");
        }
        // The read model reaching p implies the head did (a runner reads only visible events), so the common case
        // asks the store nothing: the head is read only when the wait times out, to tell a position beyond it (400)
        // from a read model behind (503). Polling the head first cost one to several head() statements per request
        // under load (session 21, docs/benchmarks.md), and its backoff (1, 2, 4, ... ms) added to the wait.
        if (engine.awaitPosition(OrdersProjection.NAME, p, minPositionTimeout)) {
            return;
        }
        Position head = store.head();
        if (!head.covers(p)) {
            throw new InvalidRequestException(
                    "min_position '" + text + "' is not a position of this store at or before its head " + head);
        }
        throw new ApiException(
                503,
                "read_model_behind",
                "the orders read model did not reach position " + text + " within " + minPositionTimeout.toMillis()
                        + " ms; retry");
    }

    /** {@code GET /api/projections}. */
    void projections(Context ctx) {
        ctx.contentType("application/json").result(OrderJson.projections(engine().status()));
    }

    /** {@code GET /api/projections/{name}}. */
    void projection(Context ctx) {
        ProjectionEngine engine = engine();
        String name = knownProjection(engine, ctx.pathParam("name"));
        ctx.contentType("application/json").result(OrderJson.projections(List.of(engine.status(name))));
    }

    /** {@code POST /api/projections/{name}/rebuild}: starts a zero-downtime rebuild; 202 with the status. */
    void rebuild(Context ctx) {
        ProjectionEngine engine = engine();
        String name = knownProjection(engine, ctx.pathParam("name"));
        if (engine.status(name).rebuildPosition() != null) {
            throw new ApiException(409, "rebuild_running", "projection '" + name + "' is already rebuilding");
        }
        engine.rebuild(name);
        ctx.status(202).contentType("application/json").result(OrderJson.projections(List.of(engine.status(name))));
    }

    /** {@code POST /api/projections/{name}/verify}: recompute from the log and diff against the live read model. */
    void verify(Context ctx) throws InterruptedException {
        ProjectionEngine engine = engine();
        String name = knownProjection(engine, ctx.pathParam("name"));
        dev.hindsight.projection.VerifyReport report = engine.verify(name);
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("projection", report.projection());
        body.put("ok", report.ok());
        body.put("position", report.position());
        body.put("missing_rows", report.missingRows());
        body.put("extra_rows", report.extraRows());
        try {
            ctx.contentType("application/json")
                    .result(dev.hindsight.core.Json.mapper().writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String knownProjection(ProjectionEngine engine, String name) {
        if (engine.status().stream().noneMatch(s -> s.name().equals(name))) {
            throw new ApiException(404, "not_found", "no projection named '" + name + "'");
        }
        return name;
    }

    private ProjectionEngine engine() {
        if (projections == null) {
            throw new ApiException(503, "unavailable", "this server runs no read models");
        }
        return projections;
    }

    private static int limit(String text) {
        long n = parseLong(text, "limit");
        if (n < 1 || n > OrderQueries.MAX_LIMIT) {
            throw new InvalidRequestException(
                    "limit must be between 1 and " + OrderQueries.MAX_LIMIT + ", was " + text);
        }
        return (int) n;
    }

    private static @Nullable String query(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static long parseLong(String v, String name) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be an integer, was '" + v + "'");
        }
    }

    /** An ISO-8601 instant; a {@code +} of an offset arrives as a space when not percent-encoded. */
    private static Instant instant(String v, String name) {
        try {
            return java.time.OffsetDateTime.parse(v.replace(' ', '+')).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(
                    name + " must be an ISO-8601 instant like 2024-05-01T12:00:00Z, was '" + v + "'");
        }
    }
}
