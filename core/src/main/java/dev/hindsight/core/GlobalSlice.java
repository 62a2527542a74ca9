package dev.hindsight.core;

import java.util.List;
import java.util.Objects;

/**
 * A page of the global log.
 *
 * @param events matching events, in position order
 * @param next cursor to pass as {@code after} for the next page (past filtered-out events too)
 */
public record GlobalSlice(List<RecordedEvent> events, Position next) {
    public GlobalSlice {
        events = List.copyOf(events);
        Objects.requireNonNull(next, "next");
    }
}
