package dev.hindsight.orders.command;

import java.time.Instant;

/** A command to an order. Immutable. */
public sealed interface OrderCommand
        permits CreateOrder, AdjustItems, PayOrder, ShipOrder, DeliverOrder, CancelOrder, ReturnOrder, RefundOrder {

    /** When it was issued; becomes the business time of the events it produces. */
    Instant at();

    /** Short verb for messages, e.g. {@code "pay"}. */
    String verb();
}
