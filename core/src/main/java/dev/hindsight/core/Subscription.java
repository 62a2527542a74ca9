package dev.hindsight.core;

import java.util.Optional;

/**
 * A running subscription to the global log: catch-up from its start cursor, then live, never missing or repeating an
 * event. Thread-safe.
 */
public interface Subscription extends AutoCloseable {

    /** Cursor after the last event handed to the handler (or skipped by the filter). */
    Position position();

    /** Whether it still delivers events. */
    boolean isRunning();

    /** Why it stopped, if its handler threw or the store failed. */
    Optional<Throwable> failure();

    /** Stops delivery and waits until the handler is no longer running. Idempotent. */
    @Override
    void close();
}
