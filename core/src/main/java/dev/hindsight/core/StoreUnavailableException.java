package dev.hindsight.core;

/** Storage cannot take the write now (full disk, I/O error, connection lost); reads may still work. */
public class StoreUnavailableException extends HindsightException.TransientException {
    public StoreUnavailableException(String message) {
        super(message, null);
    }

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "store_unavailable";
    }
}
