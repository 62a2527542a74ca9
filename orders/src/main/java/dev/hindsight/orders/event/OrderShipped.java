package dev.hindsight.orders.event;

import java.time.Instant;
import java.util.Objects;

/**
 * The order left the warehouse.
 *
 * @param trackingNumber the carrier's tracking number
 * @param carrier e.g. {@code UPS}
 * @param shippedAt when
 */
public record OrderShipped(String trackingNumber, String carrier, Instant shippedAt) implements OrderEvent {
    public OrderShipped {
        Objects.requireNonNull(trackingNumber, "trackingNumber");
        Objects.requireNonNull(carrier, "carrier");
        Objects.requireNonNull(shippedAt, "shippedAt");
    }

    @Override
    public Instant at() {
        return shippedAt;
    }
}
