package dev.hindsight.orders.event;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An order was placed.
 *
 * @param orderId the order (also its aggregate id)
 * @param userId the customer
 * @param items its lines
 * @param currency ISO 4217 code
 * @param totalAmount sum of the lines
 * @param createdAt when
 */
public record OrderCreated(
        String orderId,
        String userId,
        List<OrderLine> items,
        String currency,
        BigDecimal totalAmount,
        Instant createdAt)
        implements OrderEvent {
    public OrderCreated {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(userId, "userId");
        items = List.copyOf(items);
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(totalAmount, "totalAmount");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    @Override
    public Instant at() {
        return createdAt;
    }
}
