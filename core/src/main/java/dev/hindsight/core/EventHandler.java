package dev.hindsight.core;

/** Receives events from a {@link Subscription}, one at a time, in order. */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event. Throwing stops the subscription; its {@link Subscription#failure()} tells why.
     *
     * @throws Exception to stop the subscription
     */
    void handle(RecordedEvent event) throws Exception;
}
