package dev.hindsight.core;

import dev.hindsight.core.internal.EventValidator;

/** The naming rules for aggregate ids and event types, for callers that check names before appending. */
public final class Names {
    private Names() {}

    /**
     * Checks an aggregate id: 1–255 UTF-8 bytes, no control characters, no {@code /}.
     *
     * @throws InvalidRequestException otherwise
     */
    public static void checkAggregateId(String aggregateId) {
        EventValidator.validateAggregateId(aggregateId);
    }

    /**
     * Checks an event type: 1–100 characters of {@code [A-Za-z0-9_.-]}.
     *
     * @throws InvalidRequestException otherwise
     */
    public static void checkEventType(String eventType) {
        EventValidator.validateEventType(eventType, "");
    }
}
