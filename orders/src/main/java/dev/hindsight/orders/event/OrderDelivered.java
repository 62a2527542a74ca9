package dev.hindsight.orders.event;

import java.time.Instant;
import java.util.Objects;

/**
 * The order reached the customer.
 *
 * @param deliveredAt when
 */
public record OrderDelivered(Instant deliveredAt) implements OrderEvent {
    public OrderDelivered {
        Objects.requireNonNull(deliveredAt, "deliveredAt");
    }

    @Override
    public Instant at() {
        return deliveredAt;
    }
}
