package dev.hindsight.core;

/** The store is closed or shutting down. */
public class StoreClosedException extends HindsightException.PermanentException {
    public StoreClosedException(String message) {
        super(message, null);
    }

    public StoreClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "store_closed";
    }
}
