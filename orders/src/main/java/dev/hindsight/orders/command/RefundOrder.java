package dev.hindsight.orders.command;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Refund (part of) the payment of a cancelled or returned order.
 *
 * @param refundId the payment provider's refund id
 * @param amount a decimal in the order's currency, at most what is left to refund; {@code null} refunds all of it
 * @param reason why, optional
 * @param at when
 */
public record RefundOrder(
        String refundId,
        @Nullable BigDecimal amount,
        @Nullable String reason,
        Instant at) implements OrderCommand {
    public RefundOrder {
        refundId = Text.required(refundId, "refund_id", Text.MAX_ID);
        reason = Text.optional(reason, "reason", Text.MAX_REASON);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "refund";
    }
}
