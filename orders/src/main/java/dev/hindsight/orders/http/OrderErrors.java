package dev.hindsight.orders.http;

import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.orders.decider.OrderRejected;
import dev.hindsight.server.ApiException;
import io.javalin.http.Handler;

/**
 * Maps the order system's failures to HTTP: a missing order is 404 {@code not_found}, a create for an existing id 409
 * {@code already_exists}, lifecycle violations 422 {@code invalid_transition}, wrong amounts 422
 * {@code amount_mismatch}. Everything else goes to the server's mapping (400 {@code invalid_request}, 409
 * {@code wrong_expected_version}, ...). Stateless.
 */
final class OrderErrors {
    private OrderErrors() {}

    static ApiException notFound(String orderId) {
        return new ApiException(404, "not_found", "order '" + orderId + "' not found");
    }

    /** Wraps a handler so that order rejections become their HTTP answers. */
    static Handler mapped(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (OrderRejected r) {
                throw switch (r.reason()) {
                    case NOT_FOUND -> notFound(ctx.pathParamMap().getOrDefault("order_id", "?"));
                    case ALREADY_EXISTS -> new ApiException(409, r.code(), r.getMessage());
                    case INVALID_TRANSITION, AMOUNT_MISMATCH -> new ApiException(422, r.code(), r.getMessage());
                };
            } catch (WrongExpectedVersionException w) {
                // An Expected-Version for an order that does not exist: the order's absence is the real answer.
                if (w.actual() == 0 && ctx.pathParamMap().containsKey("order_id")) {
                    throw notFound(w.aggregateId());
                }
                throw w;
            }
        };
    }
}
