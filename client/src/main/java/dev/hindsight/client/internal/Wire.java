package dev.hindsight.client.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.spi.ProposedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The JSON of the HTTP API, both ways: append bodies, event pages, error answers. Stateless, thread-safe. */
public final class Wire {
    private Wire() {}

    /**
     * The body of {@code POST /api/aggregates/{id}/events}: the events as validated, with their timestamps, except
     * that with {@code serverAssigns} the timestamps the client store assigned are left out (the server assigns them).
     */
    public static byte[] appendBody(List<ProposedEvent> events, boolean serverAssigns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * events.size());
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (ProposedEvent e : events) {
                g.writeStartObject();
                g.writeStringField("event_id", e.eventId().toString());
                g.writeStringField("event_type", e.eventType());
                g.writeNumberField("schema_version", e.schemaVersion());
                g.writeFieldName("event_data");
                g.writeRawValue(e.eventData());
                g.writeFieldName("metadata");
                if (serverAssigns && e.timestampAssigned()) {
                    ObjectNode meta = Json.parseObject(e.metadata(), "metadata");
                    meta.remove("timestamp");
                    g.writeRawValue(Json.write(meta));
                } else {
                    g.writeRawValue(e.metadata());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Parses a response body into a JSON tree. */
    public static JsonNode tree(byte[] body) {
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new CorruptionException("the server answered with malformed JSON: " + e.getMessage(), e);
        }
    }

    /** The {@code 201} answer of an append. */
    public static AppendResult appendResult(JsonNode n) {
        return new AppendResult(
                n.required("aggregate_id").asText(),
                n.required("first_version").asLong(),
                n.required("last_version").asLong(),
                Position.parse(n.required("position").asText()));
    }

    /** The {@code events} array of a page. */
    public static List<RecordedEvent> events(JsonNode page) {
        JsonNode array = page.required("events");
        List<RecordedEvent> out = new ArrayList<>(array.size());
        for (JsonNode e : array) {
            out.add(event(e));
        }
        return out;
    }

    /**
     * One event as {@code EventJson} writes it, with its {@code position}; read straight from the tree (the payloads
     * are re-serialized compactly, as {@code EventJson.read} does).
     */
    public static RecordedEvent event(JsonNode e) {
        try {
            JsonNode meta = e.required("metadata");
            return new RecordedEvent(
                    UUID.fromString(e.required("event_id").asText()),
                    e.required("aggregate_id").asText(),
                    e.required("event_type").asText(),
                    e.required("schema_version").asInt(),
                    Json.write(e.required("event_data")),
                    Json.write(meta),
                    e.required("version").asLong(),
                    Position.parse(e.required("position").asText()),
                    instant(meta.required("timestamp").asText()),
                    Instant.parse(e.required("recorded_at").asText()));
        } catch (RuntimeException ex) {
            throw new CorruptionException("the server sent an event this client cannot read: " + ex.getMessage(), ex);
        }
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return OffsetDateTime.parse(text).toInstant();
        }
    }

    /**
     * The exception an error answer stands for: the store's own exception for its codes (a conflict keeps aggregate,
     * expected and actual), else {@link StoreUnavailableException} for 5xx and {@link InvalidRequestException} for 4xx.
     */
    public static HindsightException error(int status, byte[] body, String aggregateId) {
        String code = "http_" + status;
        String message = "HTTP " + status;
        JsonNode n = null;
        try {
            n = Json.mapper().readTree(body);
        } catch (IOException | RuntimeException e) {
            // not our JSON (a proxy's page): keep the status
        }
        if (n != null && n.isObject()) {
            code = n.path("error").asText(code);
            message = n.path("message").asText(message);
        }
        String m = "server: " + message;
        return switch (code) {
            case "wrong_expected_version" ->
                new WrongExpectedVersionException(
                        aggregateId,
                        ExpectedVersion.parse(n.required("expected").asText()),
                        n.required("actual").asLong());
            case "duplicate_event_id" -> new DuplicateEventIdException(m);
            case "timestamp_out_of_order" -> new TimestampOrderException(m);
            case "invalid_request" -> new InvalidRequestException(m);
            case "too_large" -> new SizeLimitExceededException(m);
            case "store_closed" -> new StoreClosedException(m);
            case "store_locked" -> new StoreLockedException(m);
            case "corruption" -> new CorruptionException(m);
            default ->
                status >= 500 || status == 404
                        ? new StoreUnavailableException(m + " (" + code + ")")
                        : new InvalidRequestException(m + " (" + code + ")");
        };
    }
}
