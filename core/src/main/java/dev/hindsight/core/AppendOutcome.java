package dev.hindsight.core;

import org.jspecify.annotations.Nullable;

/**
 * What became of one append of a batch ({@link EventStore#appendAll}): its result, or the error that rejected it
 * alone (the same exception a single {@link EventStore#append} would have thrown).
 *
 * @param result the stored versions and position; null when rejected
 * @param error why it was rejected; null when stored
 */
public record AppendOutcome(
        @Nullable AppendResult result, @Nullable RuntimeException error) {
    public AppendOutcome {
        if ((result == null) == (error == null)) {
            throw new IllegalArgumentException("an outcome holds exactly one of result and error");
        }
    }

    public static AppendOutcome of(AppendResult result) {
        return new AppendOutcome(result, null);
    }

    public static AppendOutcome failed(RuntimeException error) {
        return new AppendOutcome(null, error);
    }

    /** Whether the append was stored. */
    public boolean ok() {
        return result != null;
    }
}
