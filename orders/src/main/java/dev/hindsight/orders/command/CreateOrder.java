package dev.hindsight.orders.command;

import dev.hindsight.orders.LineItem;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Objects;

/**
 * Place a new order.
 *
 * @param orderId the new order's id (chosen at the edge)
 * @param userId the customer
 * @param items 1–200 lines, prices in {@code currency}
 * @param currency the order's currency
 * @param at when
 */
public record CreateOrder(String orderId, String userId, List<LineItem> items, Currency currency, Instant at)
        implements OrderCommand {
    public CreateOrder {
        Objects.requireNonNull(orderId, "orderId");
        userId = Text.required(userId, "user_id", Text.MAX_ID);
        items = LineItem.checkLines(items);
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "create";
    }
}
