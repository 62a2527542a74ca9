package dev.hindsight.orders.command;

import java.time.Instant;
import java.util.Objects;

/**
 * Hand a paid order to a carrier.
 *
 * @param trackingNumber the carrier's tracking number
 * @param carrier e.g. {@code UPS}
 * @param at when
 */
public record ShipOrder(String trackingNumber, String carrier, Instant at) implements OrderCommand {
    public ShipOrder {
        trackingNumber = Text.required(trackingNumber, "tracking_number", Text.MAX_ID);
        carrier = Text.required(carrier, "carrier", Text.MAX_ID);
        Objects.requireNonNull(at, "at");
    }

    @Override
    public String verb() {
        return "ship";
    }
}
