package dev.hindsight.core;

/** Malformed input: an invalid id, type, JSON payload or parameter. Nothing was changed. */
public class InvalidRequestException extends HindsightException.PermanentException {
    public InvalidRequestException(String message) {
        super(message, null);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "invalid_request";
    }
}
