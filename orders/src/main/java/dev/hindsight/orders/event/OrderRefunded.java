package dev.hindsight.orders.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Money went back to the customer of a cancelled or returned order.
 *
 * @param refundId the payment provider's refund id
 * @param amount this refund
 * @param currency ISO 4217 code
 * @param reason why, if given
 * @param refundedAt when
 */
public record OrderRefunded(
        String refundId,
        BigDecimal amount,
        String currency,
        @Nullable String reason,
        Instant refundedAt) implements OrderEvent {
    public OrderRefunded {
        Objects.requireNonNull(refundId, "refundId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(refundedAt, "refundedAt");
    }

    @Override
    public Instant at() {
        return refundedAt;
    }
}
