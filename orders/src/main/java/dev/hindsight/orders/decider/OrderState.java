package dev.hindsight.orders.decider;

import dev.hindsight.orders.LineItem;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An order as its events made it (the write side's state, also what snapshots store). Amounts are minor units of
 * {@code currency}. Immutable.
 *
 * @param status where it is in its lifecycle ({@link OrderStatus#NONE} before its first event)
 * @param orderId its id ({@code ""} before its first event)
 * @param userId the customer ({@code ""} before its first event)
 * @param currency ISO 4217 code ({@code ""} before its first event)
 * @param items its lines
 * @param totalAmount sum of the lines
 * @param paidAmount what was paid (0 until paid)
 * @param refundedAmount what was refunded so far
 * @param paymentId the payment provider's id
 * @param paymentMethod how it was paid
 * @param trackingNumber the carrier's tracking number
 * @param carrier who ships it
 * @param cancelReason why it was cancelled
 * @param returnReason why it was returned
 * @param createdAt when it was placed
 * @param paidAt when it was paid
 * @param shippedAt when it shipped
 * @param deliveredAt when it was delivered
 * @param cancelledAt when it was cancelled
 * @param returnedAt when it was returned
 * @param refundedAt when the last refund was made
 * @param updatedAt when its last event happened
 */
public record OrderState(
        OrderStatus status,
        String orderId,
        String userId,
        String currency,
        List<LineItem> items,
        long totalAmount,
        long paidAmount,
        long refundedAmount,
        @Nullable String paymentId,
        @Nullable String paymentMethod,
        @Nullable String trackingNumber,
        @Nullable String carrier,
        @Nullable String cancelReason,
        @Nullable String returnReason,
        @Nullable Instant createdAt,
        @Nullable Instant paidAt,
        @Nullable Instant shippedAt,
        @Nullable Instant deliveredAt,
        @Nullable Instant cancelledAt,
        @Nullable Instant returnedAt,
        @Nullable Instant refundedAt,
        @Nullable Instant updatedAt) {

    /** Declared shape version for snapshot fingerprints: bump it when the components change. */
    public static final int SCHEMA_VERSION = 1;

    /** The state of an order with no events. */
    public static final OrderState NONE = new OrderState(
            OrderStatus.NONE,
            "",
            "",
            "",
            List.of(),
            0,
            0,
            0,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);

    public OrderState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(currency, "currency");
        items = List.copyOf(items);
    }

    /** What is still to be refunded: paid minus refunded. */
    public long refundable() {
        return paidAmount - refundedAmount;
    }

    /** A mutable copy for {@link OrderDecider#evolve}. */
    Draft draft() {
        return new Draft(this);
    }

    /** A mutable copy of a state, confined to one evolve step. Not thread-safe. */
    static final class Draft {
        OrderStatus status;
        String orderId;
        String userId;
        String currency;
        List<LineItem> items;
        long totalAmount;
        long paidAmount;
        long refundedAmount;

        @Nullable
        String paymentId;

        @Nullable
        String paymentMethod;

        @Nullable
        String trackingNumber;

        @Nullable
        String carrier;

        @Nullable
        String cancelReason;

        @Nullable
        String returnReason;

        @Nullable
        Instant createdAt;

        @Nullable
        Instant paidAt;

        @Nullable
        Instant shippedAt;

        @Nullable
        Instant deliveredAt;

        @Nullable
        Instant cancelledAt;

        @Nullable
        Instant returnedAt;

        @Nullable
        Instant refundedAt;

        @Nullable
        Instant updatedAt;

        private Draft(OrderState s) {
            status = s.status;
            orderId = s.orderId;
            userId = s.userId;
            currency = s.currency;
            items = s.items;
            totalAmount = s.totalAmount;
            paidAmount = s.paidAmount;
            refundedAmount = s.refundedAmount;
            paymentId = s.paymentId;
            paymentMethod = s.paymentMethod;
            trackingNumber = s.trackingNumber;
            carrier = s.carrier;
            cancelReason = s.cancelReason;
            returnReason = s.returnReason;
            createdAt = s.createdAt;
            paidAt = s.paidAt;
            shippedAt = s.shippedAt;
            deliveredAt = s.deliveredAt;
            cancelledAt = s.cancelledAt;
            returnedAt = s.returnedAt;
            refundedAt = s.refundedAt;
            updatedAt = s.updatedAt;
        }

        OrderState build() {
            return new OrderState(
                    status,
                    orderId,
                    userId,
                    currency,
                    items,
                    totalAmount,
                    paidAmount,
                    refundedAmount,
                    paymentId,
                    paymentMethod,
                    trackingNumber,
                    carrier,
                    cancelReason,
                    returnReason,
                    createdAt,
                    paidAt,
                    shippedAt,
                    deliveredAt,
                    cancelledAt,
                    returnedAt,
                    refundedAt,
                    updatedAt);
        }
    }
}
