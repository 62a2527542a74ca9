package dev.hindsight.orders.command;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Cancel an order that has not shipped; a paid one then awaits its refund.
 *
 * @param reason why, optional
 * @param at when
 */
public record CancelOrder(@Nullable String reason, Instant at) implements OrderCommand {
    public CancelOrder {
        reason = Text.optional(reason, "reason", Text.MAX_REASON);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "cancel";
    }
}
