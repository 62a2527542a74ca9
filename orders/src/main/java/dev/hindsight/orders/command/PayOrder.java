package dev.hindsight.orders.command;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Record the payment of an order. The amount stays a decimal here: only the order knows its currency's scale.
 *
 * @param paymentId the payment provider's id
 * @param amount the amount paid, a decimal in the order's currency; must equal the order total
 * @param currency if given, must be the order's currency
 * @param paymentMethod e.g. {@code credit_card}
 * @param at when
 */
public record PayOrder(
        String paymentId, BigDecimal amount, @Nullable String currency, String paymentMethod, Instant at)
        implements OrderCommand {
    public PayOrder {
        paymentId = Text.required(paymentId, "payment_id", Text.MAX_ID);
        Objects.requireNonNull(amount, "amount");
        currency = Text.optional(currency, "currency", 3);
        paymentMethod = Text.required(paymentMethod, "payment_method", Text.MAX_ID);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "pay";
    }
}
