package dev.hindsight.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.internal.IsoInstants;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * The JSON form of a stored event, as the HTTP API returns it and as the Kafka engine stores it in its records:
 * {@code event_id, aggregate_id, event_type, schema_version, event_data, metadata, version, position, recorded_at}.
 * {@code event_data} and {@code metadata} are the stored (canonical, compact) JSON text, embedded raw. Stateless,
 * thread-safe.
 */
public final class EventJson {
    private EventJson() {}

    /** Writes {@code e} with every field. */
    public static void write(JsonGenerator g, RecordedEvent e) throws IOException {
        write(g, e, true);
    }

    /**
     * Writes {@code e}; without {@code position} when {@code withPosition} is false (a Kafka record's position is its
     * partition and offset, known only once it is written).
     */
    public static void write(JsonGenerator g, RecordedEvent e, boolean withPosition) throws IOException {
        g.writeStartObject();
        g.writeStringField("event_id", e.eventId().toString());
        g.writeStringField("aggregate_id", e.aggregateId());
        g.writeStringField("event_type", e.eventType());
        g.writeNumberField("schema_version", e.schemaVersion());
        g.writeFieldName("event_data");
        g.writeRawValue(e.eventData());
        g.writeFieldName("metadata");
        g.writeRawValue(e.metadata());
        g.writeNumberField("version", e.version());
        if (withPosition) {
            g.writeStringField("position", e.position().toString());
        }
        g.writeStringField("recorded_at", e.recordedAt().toString());
        g.writeEndObject();
    }

    /** {@code e} as compact UTF-8 JSON bytes. */
    public static byte[] toBytes(RecordedEvent e, boolean withPosition) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                256 + e.eventData().length() + e.metadata().length());
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            write(g, e, withPosition);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /**
     * Reads an event written by {@link #write}. A {@code position} field, if present, is ignored: the caller knows
     * where the event was read from.
     *
     * @throws CorruptionException if the bytes are not such an event
     */
    public static RecordedEvent read(byte[] json, Position position) {
        try {
            JsonNode n = Json.mapper().readTree(json);
            JsonNode meta = n.required("metadata");
            return new RecordedEvent(
                    UUID.fromString(n.required("event_id").asText()),
                    n.required("aggregate_id").asText(),
                    n.required("event_type").asText(),
                    n.required("schema_version").asInt(),
                    Json.write(n.required("event_data")),
                    Json.write(meta),
                    n.required("version").asLong(),
                    position,
                    IsoInstants.parse(meta.required("timestamp").asText()),
                    Instant.parse(n.required("recorded_at").asText()));
        } catch (IOException | RuntimeException e) {
            throw new CorruptionException("not a stored event: " + e.getMessage());
        }
    }
}
