package dev.hindsight.orders.event;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The order was cancelled before it shipped.
 *
 * @param reason why, if given
 * @param cancelledAt when
 */
public record OrderCancelled(@Nullable String reason, Instant cancelledAt) implements OrderEvent {
    public OrderCancelled {
        Objects.requireNonNull(cancelledAt, "cancelledAt");
    }

    @Override
    public Instant at() {
        return cancelledAt;
    }
}
