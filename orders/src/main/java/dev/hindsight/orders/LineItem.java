package dev.hindsight.orders;

import dev.hindsight.core.InvalidRequestException;
import java.util.List;
import java.util.Objects;

/**
 * One line of an order: a quantity of a SKU at a unit price in the order's currency. Immutable.
 *
 * @param sku the product, 1–100 characters
 * @param quantity 1–1,000,000
 * @param unitPrice minor units of the order's currency, ≥ 0
 */
public record LineItem(String sku, int quantity, long unitPrice) {
    public static final int MAX_LINES = 200;
    public static final int MAX_QUANTITY = 1_000_000;

    /** @throws InvalidRequestException if a field is out of range */
    public LineItem {
        Objects.requireNonNull(sku, "sku");
        if (sku.isBlank() || sku.length() > 100) {
            throw new InvalidRequestException("sku must be 1-100 characters");
        }
        if (quantity < 1 || quantity > MAX_QUANTITY) {
            throw new InvalidRequestException("quantity must be between 1 and " + MAX_QUANTITY + ", was " + quantity);
        }
        if (unitPrice < 0) {
            throw new InvalidRequestException("unit_price must not be negative");
        }
    }

    /** {@code quantity × unitPrice}. */
    public long lineTotal() {
        return Math.multiplyExact(unitPrice, (long) quantity);
    }

    /**
     * The sum of the line totals.
     *
     * @throws InvalidRequestException if it overflows
     */
    public static long total(List<LineItem> items) {
        try {
            long sum = 0;
            for (LineItem i : items) {
                sum = Math.addExact(sum, i.lineTotal());
            }
            return sum;
        } catch (ArithmeticException e) {
            throw new InvalidRequestException("the order total is too large");
        }
    }

    /**
     * Checks a list of lines: 1–{@value #MAX_LINES} of them.
     *
     * @throws InvalidRequestException otherwise
     */
    public static List<LineItem> checkLines(List<LineItem> items) {
        if (items.isEmpty() || items.size() > MAX_LINES) {
            throw new InvalidRequestException("an order needs 1-" + MAX_LINES + " items, had " + items.size());
        }
        List<LineItem> copy = List.copyOf(items);
        total(copy);
        return copy;
    }
}
