package dev.hindsight.core;

/** Another process holds the store's data directory. */
public class StoreLockedException extends HindsightException.PermanentException {
    public StoreLockedException(String message) {
        super(message, null);
    }

    public StoreLockedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "store_locked";
    }
}
