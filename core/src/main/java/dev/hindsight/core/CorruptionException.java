package dev.hindsight.core;

/** Stored data fails its integrity check; the message names the file and offset. */
public class CorruptionException extends HindsightException.PermanentException {
    public CorruptionException(String message) {
        super(message, null);
    }

    public CorruptionException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "corruption";
    }
}
