package dev.hindsight.orders.decider;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.hindsight.core.InvalidRequestException;
import java.util.Locale;

/** Where an order is in its lifecycle; on the wire in lower case ({@code "paid"}). */
public enum OrderStatus {
    /** No such order (yet): the state before its first event. */
    NONE,
    CREATED,
    PAID,
    SHIPPED,
    DELIVERED,
    CANCELLED,
    RETURNED,
    /** Cancelled or returned, and all the money paid went back. */
    REFUNDED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses the wire form of an existing order's status.
     *
     * @throws InvalidRequestException if it is not one
     */
    @JsonCreator
    public static OrderStatus parse(String text) {
        for (OrderStatus s : values()) {
            if (s.wire().equals(text)) {
                return s;
            }
        }
        throw new InvalidRequestException("unknown status '" + text + "'; one of created, paid, shipped, delivered,"
                + " cancelled, returned, refunded");
    }
}
