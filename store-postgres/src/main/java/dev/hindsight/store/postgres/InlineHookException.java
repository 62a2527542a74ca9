package dev.hindsight.store.postgres;

import dev.hindsight.core.HindsightException;

/** An {@link InlineAppendHook} failed, so the append was rolled back: nothing of it is stored. */
public final class InlineHookException extends HindsightException.PermanentException {
    public InlineHookException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "inline_projection_failed";
    }
}
