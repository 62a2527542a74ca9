package dev.hindsight.core;

/**
 * Root of every error Hindsight reports. Subclasses say whether a retry may succeed: {@link TransientException}
 * (version conflict, timeout, unavailable storage) or {@link PermanentException} (bad input, corruption).
 */
public abstract sealed class HindsightException extends RuntimeException
        permits HindsightException.TransientException, HindsightException.PermanentException {

    protected HindsightException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Stable machine-readable code, used as the {@code error} field of HTTP error bodies. */
    public abstract String code();

    /** An error a retry may cure. */
    public abstract static non-sealed class TransientException extends HindsightException {
        protected TransientException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An error a retry of the same request will not cure. */
    public abstract static non-sealed class PermanentException extends HindsightException {
        protected PermanentException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
