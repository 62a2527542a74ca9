package dev.hindsight.orders.command;

import dev.hindsight.core.InvalidRequestException;
import org.jspecify.annotations.Nullable;

/** Checks free-text fields of commands. Stateless. */
public final class Text {
    /** Longest identifier-like field (ids, carriers, payment methods). */
    public static final int MAX_ID = 200;
    /** Longest reason. */
    public static final int MAX_REASON = 1000;

    private Text() {}

    /**
     * A required field: 1–{@code max} characters, not blank, no control characters.
     *
     * @throws InvalidRequestException otherwise
     */
    public static String required(@Nullable String value, String field, int max) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(field + " is required");
        }
        return optional(value, field, max);
    }

    /**
     * An optional field: {@code null}, or at most {@code max} characters without control characters.
     *
     * @throws InvalidRequestException otherwise
     */
    public static @Nullable String optional(@Nullable String value, String field, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            throw new InvalidRequestException(field + " must be at most " + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\t') {
                throw new InvalidRequestException(field + " must not contain control characters");
            }
        }
        return value;
    }
}
