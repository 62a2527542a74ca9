package dev.hindsight.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses the body of {@code POST /api/aggregates/{id}/events}: one event object or an array of them, each
 * {@code {"event_id"?, "event_type", "schema_version"?, "event_data", "metadata"?}}. Strict: unknown fields, duplicate
 * keys, wrong types, trailing garbage and non-canonical UUIDs are rejected. Stateless, thread-safe.
 */
public final class AppendRequest {
    private static final Set<String> FIELDS =
            Set.of("event_id", "event_type", "schema_version", "event_data", "metadata");
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private AppendRequest() {}

    /**
     * Parses a request body into events.
     *
     * @throws InvalidRequestException if the body is not a well-formed event or event array
     */
    public static List<EventData> parse(byte[] body) {
        return events(RequestTree.parse(body));
    }

    /**
     * The events of one append: {@code root} is an event object or a non-empty array of them.
     *
     * @throws InvalidRequestException if it is not
     */
    static List<EventData> events(JsonNode root) {
        if (root.isObject()) {
            return List.of(event(root, ""));
        }
        if (!root.isArray()) {
            throw new InvalidRequestException("body must be an event object or an array of event objects");
        }
        if (root.isEmpty()) {
            throw new InvalidRequestException("an append needs at least one event");
        }
        List<EventData> events = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            events.add(event(root.get(i), " (event " + i + ")"));
        }
        return events;
    }

    private static EventData event(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidRequestException("each event must be a JSON object" + where);
        }
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException("unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + where + "; allowed: event_id, event_type, schema_version,"
                    + " event_data, metadata");
        }
        JsonNode type = present(node, "event_type");
        if (type == null || !type.isTextual()) {
            throw new InvalidRequestException("event_type is required and must be a string" + where);
        }
        JsonNode dataNode = present(node, "event_data");
        String data = dataNode == null ? null : RequestTree.rawText(dataNode);
        if (data == null) {
            throw new InvalidRequestException("event_data is required and must be a JSON object" + where);
        }
        JsonNode metaNode = present(node, "metadata");
        String meta = metaNode == null ? null : RequestTree.rawText(metaNode);
        if (metaNode != null && meta == null) {
            throw new InvalidRequestException("metadata must be a JSON object" + where);
        }
        return new EventData(
                eventId(present(node, "event_id"), where),
                type.textValue(),
                schemaVersion(present(node, "schema_version"), where),
                data,
                meta);
    }

    private static @Nullable UUID eventId(@Nullable JsonNode id, String where) {
        if (id == null) {
            return null;
        }
        if (!id.isTextual() || !UUID_TEXT.matcher(id.textValue()).matches()) {
            throw new InvalidRequestException(
                    "event_id must be a UUID string like" + " \"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\"" + where);
        }
        return UUID.fromString(id.textValue());
    }

    private static int schemaVersion(@Nullable JsonNode v, String where) {
        if (v == null) {
            return 1;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw new InvalidRequestException("schema_version must be an integer >= 1" + where);
        }
        return v.intValue();
    }

    /** The field's value, {@code null} when absent or JSON null. */
    private static @Nullable JsonNode present(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }
}
