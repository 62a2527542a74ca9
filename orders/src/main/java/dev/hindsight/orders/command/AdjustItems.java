package dev.hindsight.orders.command;

import dev.hindsight.orders.LineItem;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Correct an unpaid order's lines (a correction event; the original lines stay in the history).
 *
 * @param items the new lines, 1–200, prices in the order's currency
 * @param reason why, optional
 * @param at when
 */
public record AdjustItems(List<LineItem> items, @Nullable String reason, Instant at) implements OrderCommand {
    public AdjustItems {
        items = LineItem.checkLines(items);
        reason = Text.optional(reason, "reason", Text.MAX_REASON);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "adjust";
    }
}
