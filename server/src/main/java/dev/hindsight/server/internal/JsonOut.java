package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Writes response JSON with Jackson's streaming generator; stored payloads are embedded raw. Stateless. */
public final class JsonOut {
    private JsonOut() {}

    /** Something that writes one JSON value to a generator. */
    @FunctionalInterface
    public interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** Runs {@code writer} against a fresh generator and returns the UTF-8 bytes. */
    public static byte[] write(Writer writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            writer.write(g);
        }
        return out.toByteArray();
    }

    /**
     * Writes one event: {@code event_id, aggregate_id, event_type, schema_version, event_data, metadata, version,
     * position, recorded_at}. {@code event_data} and {@code metadata} are the stored JSON text, copied as is.
     */
    public static void event(JsonGenerator g, RecordedEvent e) throws IOException {
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
        g.writeStringField("position", e.position().toString());
        g.writeStringField("recorded_at", e.recordedAt().toString());
        g.writeEndObject();
    }

    /** One event as compact JSON bytes. */
    public static byte[] event(RecordedEvent e) throws IOException {
        return write(g -> event(g, e));
    }
}
