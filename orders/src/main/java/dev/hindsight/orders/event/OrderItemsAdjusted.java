package dev.hindsight.orders.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A correction: an unpaid order's lines were replaced (the earlier lines stay in the history).
 *
 * @param items the new lines
 * @param totalAmount their sum
 * @param currency ISO 4217 code (the order's)
 * @param reason why, if given
 * @param adjustedAt when
 */
public record OrderItemsAdjusted(
        List<OrderLine> items,
        BigDecimal totalAmount,
        String currency,
        @Nullable String reason,
        Instant adjustedAt) implements OrderEvent {
    public OrderItemsAdjusted {
        items = List.copyOf(items);
        Objects.requireNonNull(totalAmount, "totalAmount");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(adjustedAt, "adjustedAt");
    }

    @Override
    public Instant at() {
        return adjustedAt;
    }
}
