package dev.hindsight.orders.decider;

import dev.hindsight.core.HindsightException;
import java.util.Objects;

/**
 * The decider refused a command; nothing was appended. A retry of the same command against the same order cannot
 * succeed.
 */
public final class OrderRejected extends HindsightException.PermanentException {
    /** Why. */
    public enum Reason {
        /** The order does not exist. */
        NOT_FOUND("not_found"),
        /** A create for an id that already has events. */
        ALREADY_EXISTS("already_exists"),
        /** The command is not allowed in the order's status (pay twice, ship unpaid, ...). */
        INVALID_TRANSITION("invalid_transition"),
        /** A payment or refund amount that does not fit the order. */
        AMOUNT_MISMATCH("amount_mismatch");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public OrderRejected(Reason reason, String message) {
        super(message, null);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String code() {
        return reason.code();
    }
}
