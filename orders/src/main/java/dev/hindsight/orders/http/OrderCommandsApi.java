package dev.hindsight.orders.http;

import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Names;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ReturnOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.orders.command.Text;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.event.OrderEvent;
import io.javalin.http.Context;
import io.javalin.http.servlet.MaxRequestSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /api/orders} and {@code POST /api/orders/{order_id}/<command>}: parse the body into a command (the
 * instant and new ids are taken here, from the injected clock and id supplier), handle it, answer the new state with
 * the event's position in {@code Consistency-Position}. Thread-safe.
 */
final class OrderCommandsApi {
    /** Every order id starts with this. */
    static final String ID_PREFIX = "ord_";

    static final String CONSISTENCY_POSITION = "Consistency-Position";
    static final String CORRELATION_ID = "X-Correlation-Id";
    static final String USER_ID = "X-User-Id";

    /** Bodies of at most this many bytes, with a declared length, are read without Javalin's reader. */
    private static final int SMALL_BODY = 8192;

    private final OrderService service;
    private final Supplier<UUID> ids;

    OrderCommandsApi(OrderService service, Supplier<UUID> ids) {
        this.service = Objects.requireNonNull(service);
        this.ids = Objects.requireNonNull(ids);
    }

    /** {@code POST /api/orders} {@code {"user_id", "items": [{"sku", "quantity", "unit_price"}], "currency"}}. */
    void create(Context ctx) {
        RequestBody b = RequestBody.parse(body(ctx), Set.of("user_id", "items", "currency"));
        String userId = b.text("user_id");
        Currency currency = b.currency();
        List<LineItem> items = b.items(currency);
        String orderId = ID_PREFIX + ids.get();
        OrderService.Caller caller = caller(ctx);
        CommandResult<OrderState, OrderEvent> r =
                service.handle(orderId, at -> new CreateOrder(orderId, userId, items, currency, at), null, caller);
        ctx.header("Location", "/api/orders/" + orderId);
        answer(ctx, 201, r, caller);
    }

    /** {@code POST .../pay} {@code {"payment_id", "amount", "payment_method", "currency"?}}. */
    void pay(Context ctx) {
        RequestBody b = RequestBody.parse(body(ctx), Set.of("payment_id", "amount", "payment_method", "currency"));
        String paymentId = b.text("payment_id");
        BigDecimal amount = b.number("amount");
        String method = b.text("payment_method");
        String currency = b.optText("currency");
        command(ctx, at -> new PayOrder(paymentId, amount, currency, method, at));
    }

    /** {@code POST .../ship} {@code {"tracking_number", "carrier"}}. */
    void ship(Context ctx) {
        RequestBody b = RequestBody.parse(body(ctx), Set.of("tracking_number", "carrier"));
        String tracking = b.text("tracking_number");
        String carrier = b.text("carrier");
        command(ctx, at -> new ShipOrder(tracking, carrier, at));
    }

    /** {@code POST .../deliver} {@code {}}. */
    void deliver(Context ctx) {
        RequestBody.parse(body(ctx), Set.of());
        command(ctx, DeliverOrder::new);
    }

    /** {@code POST .../cancel} {@code {"reason"?}}. */
    void cancel(Context ctx) {
        String reason = RequestBody.parse(body(ctx), Set.of("reason")).optText("reason");
        command(ctx, at -> new CancelOrder(reason, at));
    }

    /** {@code POST .../return} {@code {"reason"?}}. */
    void returnOrder(Context ctx) {
        String reason = RequestBody.parse(body(ctx), Set.of("reason")).optText("reason");
        command(ctx, at -> new ReturnOrder(reason, at));
    }

    /** {@code POST .../refund} {@code {"amount"?, "reason"?, "refund_id"?}}; no amount refunds everything left. */
    void refund(Context ctx) {
        RequestBody b = RequestBody.parse(body(ctx), Set.of("amount", "reason", "refund_id"));
        BigDecimal amount = b.optNumber("amount");
        String reason = b.optText("reason");
        String given = b.optText("refund_id");
        String refundId = given != null ? given : "ref_" + ids.get();
        command(ctx, at -> new RefundOrder(refundId, amount, reason, at));
    }

    /** {@code POST .../adjust} {@code {"items", "reason"?}}: a correction of an unpaid order's lines. */
    void adjust(Context ctx) {
        RequestBody b = RequestBody.parse(body(ctx), Set.of("items", "reason"));
        String reason = b.optText("reason");
        String orderId = orderId(ctx);
        // The prices are in the order's currency: parse them against it (a stale read only risks a 400 that the
        // current state would also give, since an order's currency never changes): the cached state when there is
        // one, which costs no read.
        OrderState current = service.recentState(orderId);
        if (current.currency().isEmpty()) {
            throw OrderErrors.notFound(orderId);
        }
        List<LineItem> items = b.items(Currency.getInstance(current.currency()));
        command(ctx, at -> new AdjustItems(items, reason, at));
    }

    private void command(Context ctx, Function<Instant, OrderCommand> command) {
        String orderId = orderId(ctx);
        OrderService.Caller caller = caller(ctx);
        answer(ctx, 200, service.handle(orderId, command, expectedVersion(ctx), caller), caller);
    }

    private static void answer(
            Context ctx, int status, CommandResult<OrderState, OrderEvent> r, OrderService.Caller caller) {
        ctx.status(status);
        ctx.header(CORRELATION_ID, caller.correlationId());
        if (r.position() != null) {
            ctx.header(CONSISTENCY_POSITION, r.position().toString());
        }
        ctx.contentType("application/json").result(OrderJson.state(r.state(), r.version()));
    }

    static String orderId(Context ctx) {
        String id = ctx.pathParam("order_id");
        Names.checkAggregateId(id);
        return id;
    }

    private static @Nullable ExpectedVersion expectedVersion(Context ctx) {
        String h = ctx.header("Expected-Version");
        return h == null || h.isBlank() ? null : ExpectedVersion.parse(h);
    }

    /** {@code X-User-Id} and {@code X-Correlation-Id}, the latter generated when absent. */
    private OrderService.Caller caller(Context ctx) {
        String user = header(ctx, USER_ID);
        String correlation = header(ctx, CORRELATION_ID);
        return new OrderService.Caller(
                user, correlation != null ? correlation : ids.get().toString());
    }

    private static @Nullable String header(Context ctx, String name) {
        String v = ctx.header(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Text.optional(v.strip(), name, Text.MAX_ID);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException("header " + e.getMessage());
        }
    }

    /**
     * The request body. A small body of declared length within the server's limit is read straight from the request:
     * Javalin's reader allocates an 8 KiB buffer and two copies per request, a tenth of serve's allocation at 1,000
     * commands/s (docs/benchmarks.md, session 16). Other bodies go through Javalin, which enforces the limit.
     */
    private static byte[] body(Context ctx) {
        long n = ctx.req().getContentLengthLong();
        if (n < 0 || n > SMALL_BODY || n > ctx.appData(MaxRequestSize.INSTANCE.getMaxRequestSizeKey())) {
            return ctx.bodyAsBytes();
        }
        try {
            return ctx.req().getInputStream().readNBytes((int) n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
