package dev.hindsight.orders.command;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Record the return of a delivered order; it then awaits its refund.
 *
 * @param reason why, optional
 * @param at when
 */
public record ReturnOrder(@Nullable String reason, Instant at) implements OrderCommand {
    public ReturnOrder {
        reason = Text.optional(reason, "reason", Text.MAX_REASON);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "return";
    }
}
