package dev.hindsight.orders.command;

import java.time.Instant;
import java.util.Objects;

/**
 * Record the delivery of a shipped order.
 *
 * @param at when
 */
public record DeliverOrder(Instant at) implements OrderCommand {
    public DeliverOrder {
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "deliver";
    }
}
