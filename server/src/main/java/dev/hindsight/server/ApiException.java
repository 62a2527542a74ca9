package dev.hindsight.server;

import java.util.Objects;

/**
 * An error answer chosen by a route handler: the server responds {@code status} with the JSON body
 * {@code {"error": code, "message": message}}. For errors of the store, throw (or let through) the store's own
 * exceptions instead; the server maps them. Immutable.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    /**
     * @param status an HTTP error status, 400–599
     * @param code stable machine-readable code, e.g. {@code invalid_transition}
     * @param message human-readable detail
     */
    public ApiException(int status, String code, String message) {
        super(message, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 400-599, was " + status);
        }
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
