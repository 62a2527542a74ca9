package dev.hindsight.orders.event;

import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.Upcasters;
import java.util.Set;

/** The order events' names and schema versions, registered explicitly, and their upcasters (none yet). */
public final class OrderEvents {
    public static final String CREATED = "OrderCreated";
    public static final String ITEMS_ADJUSTED = "OrderItemsAdjusted";
    public static final String PAID = "OrderPaid";
    public static final String SHIPPED = "OrderShipped";
    public static final String DELIVERED = "OrderDelivered";
    public static final String CANCELLED = "OrderCancelled";
    public static final String RETURNED = "OrderReturned";
    public static final String REFUNDED = "OrderRefunded";

    /** Every order event type. */
    public static final Set<String> TYPES =
            Set.of(CREATED, ITEMS_ADJUSTED, PAID, SHIPPED, DELIVERED, CANCELLED, RETURNED, REFUNDED);

    public static final EventTypeRegistry<OrderEvent> REGISTRY = EventTypeRegistry.<OrderEvent>builder()
            .register(OrderCreated.class, CREATED)
            .register(OrderItemsAdjusted.class, ITEMS_ADJUSTED)
            .register(OrderPaid.class, PAID)
            .register(OrderShipped.class, SHIPPED)
            .register(OrderDelivered.class, DELIVERED)
            .register(OrderCancelled.class, CANCELLED)
            .register(OrderReturned.class, RETURNED)
            .register(OrderRefunded.class, REFUNDED)
            .build();

    /** Applied on every read of order events (aggregate loads, history, projections). */
    public static final Upcasters UPCASTERS = Upcasters.none();

    private OrderEvents() {}
}
