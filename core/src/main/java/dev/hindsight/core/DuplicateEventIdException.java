package dev.hindsight.core;

/** An {@code event_id} that is already stored with different content. Nothing was changed. */
public class DuplicateEventIdException extends HindsightException.PermanentException {
    public DuplicateEventIdException(String message) {
        super(message, null);
    }

    public DuplicateEventIdException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "duplicate_event_id";
    }
}
