package dev.hindsight.aggregate;

import dev.hindsight.core.Position;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An aggregate's state as loaded.
 *
 * @param aggregateId the aggregate
 * @param state the state after event {@code version}
 * @param version its version (0: no events)
 * @param position global position of event {@code version}, {@code null} if it has none
 * @param timestamp {@code metadata.timestamp} of event {@code version}, {@code null} if it has none
 * @param fromSnapshot the snapshot (or cached state) version the load started from, 0 if it replayed from the start
 * @param replayed number of events replayed on top of it
 */
public record Loaded<S>(
        String aggregateId,
        S state,
        long version,
        @Nullable Position position,
        @Nullable Instant timestamp,
        long fromSnapshot,
        long replayed) {
    public Loaded {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(state, "state");
    }

    public boolean exists() {
        return version > 0;
    }
}
