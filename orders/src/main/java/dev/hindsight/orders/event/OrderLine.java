package dev.hindsight.orders.event;

import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;
import java.util.Objects;

/**
 * A line of an order as stored in events.
 *
 * @param sku the product
 * @param quantity how many
 * @param unitPrice decimal at the order currency's scale
 */
public record OrderLine(String sku, int quantity, BigDecimal unitPrice) {
    public OrderLine {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(unitPrice, "unitPrice");
    }

    public static OrderLine of(LineItem item, Currency currency) {
        return new OrderLine(item.sku(), item.quantity(), new Money(item.unitPrice(), currency).decimal());
    }

    public LineItem toItem(Currency currency) {
        return new LineItem(
                sku, quantity, Money.of(unitPrice, currency, "unit_price").minor());
    }

    public static List<OrderLine> of(List<LineItem> items, Currency currency) {
        return items.stream().map(i -> of(i, currency)).toList();
    }

    public static List<LineItem> toItems(List<OrderLine> lines, Currency currency) {
        return lines.stream().map(l -> l.toItem(currency)).toList();
    }
}
