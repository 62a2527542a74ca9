package dev.hindsight.orders.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * The order was paid in full.
 *
 * @param paymentId the payment provider's id
 * @param amount the amount paid
 * @param currency ISO 4217 code
 * @param paymentMethod e.g. {@code credit_card}
 * @param paidAt when
 */
public record OrderPaid(String paymentId, BigDecimal amount, String currency, String paymentMethod, Instant paidAt)
        implements OrderEvent {
    public OrderPaid {
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(paymentMethod, "paymentMethod");
        Objects.requireNonNull(paidAt, "paidAt");
    }

    @Override
    public Instant at() {
        return paidAt;
    }
}
