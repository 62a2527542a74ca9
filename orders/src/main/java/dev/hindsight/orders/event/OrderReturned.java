package dev.hindsight.orders.event;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The customer sent the delivered order back.
 *
 * @param reason why, if given
 * @param returnedAt when
 */
public record OrderReturned(@Nullable String reason, Instant returnedAt) implements OrderEvent {
    public OrderReturned {
        Objects.requireNonNull(returnedAt, "returnedAt");
    }

    @Override
    public Instant at() {
        return returnedAt;
    }
}
