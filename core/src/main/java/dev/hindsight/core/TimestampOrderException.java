package dev.hindsight.core;

/** An event whose {@code metadata.timestamp} is earlier than the aggregate's last event. Nothing was changed. */
public class TimestampOrderException extends HindsightException.PermanentException {
    public TimestampOrderException(String message) {
        super(message, null);
    }

    public TimestampOrderException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "timestamp_out_of_order";
    }
}
