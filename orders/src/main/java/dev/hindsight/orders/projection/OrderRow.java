package dev.hindsight.orders.projection;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One row of the {@code orders} read model. Amounts are minor units of {@code currency}. Immutable.
 *
 * @param orderId the order
 * @param userId the customer
 * @param status wire form, e.g. {@code paid}
 * @param currency ISO 4217 code
 * @param totalAmount the order total
 * @param refundedAmount refunded so far
 * @param itemCount units over all lines
 * @param createdAt when it was placed
 * @param updatedAt when its last event happened
 * @param paidAt when it was paid
 * @param shippedAt when it shipped
 * @param deliveredAt when it was delivered
 * @param cancelledAt when it was cancelled
 * @param returnedAt when it was returned
 * @param version the order's version the row reflects
 */
public record OrderRow(
        String orderId,
        String userId,
        String status,
        String currency,
        long totalAmount,
        long refundedAmount,
        long itemCount,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant paidAt,
        @Nullable Instant shippedAt,
        @Nullable Instant deliveredAt,
        @Nullable Instant cancelledAt,
        @Nullable Instant returnedAt,
        long version) {
    public OrderRow {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
