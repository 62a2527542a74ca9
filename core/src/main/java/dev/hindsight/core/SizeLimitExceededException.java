package dev.hindsight.core;

/** An event or an append larger than the configured limit. Nothing was changed. */
public class SizeLimitExceededException extends HindsightException.PermanentException {
    public SizeLimitExceededException(String message) {
        super(message, null);
    }

    @Override
    public String code() {
        return "too_large";
    }
}
