package dev.hindsight.server.internal;

import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import java.util.List;

/**
 * Parses the body of {@code POST /api/aggregates/{id}/events}: one event object or an array of them, each
 * {@code {"event_id"?, "event_type", "schema_version"?, "event_data", "metadata"?}}. Strict: unknown fields, duplicate
 * keys, wrong types, trailing garbage and non-canonical UUIDs are rejected. One streaming pass ({@link BodyReader}).
 * Stateless, thread-safe.
 */
public final class AppendRequest {
    private AppendRequest() {}

    /**
     * Parses a request body into events.
     *
     * @throws InvalidRequestException if the body is not a well-formed event or event array
     */
    public static List<EventData> parse(byte[] body) {
        return BodyReader.events(body);
    }
}
