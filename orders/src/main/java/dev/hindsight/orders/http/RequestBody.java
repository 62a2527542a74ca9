package dev.hindsight.orders.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A strictly parsed JSON request body: one object, no duplicate keys, no trailing data, no unknown fields, and fields of
 * the right JSON types; numbers stay exact decimals. Anything else is an {@link InvalidRequestException} (400).
 * Immutable once parsed.
 */
final class RequestBody {
    private static final ObjectReader READER = Json.mapper()
            .reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final ObjectNode node;

    private RequestBody(ObjectNode node) {
        this.node = node;
    }

    /**
     * Parses a body that may only have {@code allowed} fields; an empty body is {@code {}}.
     *
     * @throws InvalidRequestException if it is malformed
     */
    static RequestBody parse(byte[] body, Set<String> allowed) {
        JsonNode root;
        try {
            root = body.length == 0 ? Json.mapper().createObjectNode() : READER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidRequestException("body could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = Json.mapper().createObjectNode();
        }
        if (!root.isObject()) {
            throw new InvalidRequestException("body must be a JSON object");
        }
        Set<String> unknown = new TreeSet<>();
        root.properties().forEach(e -> {
            if (!allowed.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException("unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + "; allowed: " + String.join(", ", new TreeSet<>(allowed)));
        }
        return new RequestBody((ObjectNode) root);
    }

    /** A string field that must be present. */
    String text(String field) {
        String v = optText(field);
        if (v == null) {
            throw new InvalidRequestException(field + " is required");
        }
        return v;
    }

    /** A string field, {@code null} when absent or JSON null. */
    @Nullable
    String optText(String field) {
        return text(node, field, "");
    }

    private static @Nullable String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRequestException(where + field + " must be a string");
        }
        return v.textValue();
    }

    /** A number field that must be present. */
    BigDecimal number(String field) {
        BigDecimal v = optNumber(field);
        if (v == null) {
            throw new InvalidRequestException(field + " is required");
        }
        return v;
    }

    /** A number field, {@code null} when absent or JSON null. */
    @Nullable
    BigDecimal optNumber(String field) {
        return number(node, field, "");
    }

    private static @Nullable BigDecimal number(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new InvalidRequestException(where + field + " must be a number, like 19.99");
        }
        return v.decimalValue();
    }

    /** The {@code currency} field as an ISO 4217 currency. */
    Currency currency() {
        return Money.currency(text("currency"));
    }

    /** The {@code items} array: 1–200 objects {@code {"sku", "quantity", "unit_price"}}, prices in {@code currency}. */
    List<LineItem> items(Currency currency) {
        JsonNode items = node.get("items");
        if (items == null || !items.isArray()) {
            throw new InvalidRequestException("items is required: an array of {\"sku\", \"quantity\", \"unit_price\"}");
        }
        if (items.isEmpty() || items.size() > LineItem.MAX_LINES) {
            throw new InvalidRequestException("an order needs 1-" + LineItem.MAX_LINES + " items, had " + items.size());
        }
        List<LineItem> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(item(items.get(i), currency, "items[" + i + "]."));
        }
        return out;
    }

    private static LineItem item(JsonNode item, Currency currency, String where) {
        if (!item.isObject()) {
            throw new InvalidRequestException(where.substring(0, where.length() - 1) + " must be an object");
        }
        Set<String> unknown = new TreeSet<>();
        item.properties().forEach(e -> {
            if (!Set.of("sku", "quantity", "unit_price").contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException(
                    where + String.join(", " + where, unknown) + ": unknown; allowed: sku, quantity, unit_price");
        }
        String sku = text(item, "sku", where);
        BigDecimal quantity = number(item, "quantity", where);
        BigDecimal price = number(item, "unit_price", where);
        if (sku == null || quantity == null || price == null) {
            throw new InvalidRequestException(
                    where + "sku, " + where + "quantity and " + where + "unit_price are required");
        }
        int q;
        try {
            q = quantity.intValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidRequestException(where + "quantity must be a whole number, was " + quantity);
        }
        try {
            return new LineItem(
                    sku, q, Money.of(price, currency, where + "unit_price").minor());
        } catch (InvalidRequestException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(where)
                    ? e
                    : new InvalidRequestException(where + e.getMessage());
        }
    }
}
