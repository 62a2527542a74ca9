package dev.hindsight.orders.event;

import java.time.Instant;

/** An event of an order. Immutable. */
public sealed interface OrderEvent
        permits OrderCreated,
                OrderItemsAdjusted,
                OrderPaid,
                OrderShipped,
                OrderDelivered,
                OrderCancelled,
                OrderReturned,
                OrderRefunded {

    /** Its business time (equal to {@code metadata.timestamp}). */
    Instant at();
}
