package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.EventJson;
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
        return write(256, writer);
    }

    /** Runs {@code writer} against a fresh generator and returns the UTF-8 bytes, of about {@code sizeHint}. */
    public static byte[] write(int sizeHint, Writer writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            writer.write(g);
        }
        return out.toByteArray();
    }

    /**
     * Writes one event: {@code event_id, aggregate_id, event_type, schema_version, event_data, metadata, version,
     * position, recorded_at}: {@link EventJson}, shared with the Kafka engine's record values.
     */
    public static void event(JsonGenerator g, RecordedEvent e) throws IOException {
        EventJson.write(g, e);
    }

    /** One event as compact JSON bytes. */
    public static byte[] event(RecordedEvent e) throws IOException {
        return write(g -> event(g, e));
    }
}
