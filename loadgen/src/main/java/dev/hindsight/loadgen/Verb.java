package dev.hindsight.loadgen;

import java.util.Locale;

/** The steps of an order's lifecycle, one order command each. */
enum Verb {
    CREATE,
    ADJUST,
    PAY,
    SHIP,
    DELIVER,
    CANCEL,
    RETURN,
    REFUND;

    /** Lower-case name, as in the HTTP routes ({@code /api/orders/{id}/pay}). */
    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
