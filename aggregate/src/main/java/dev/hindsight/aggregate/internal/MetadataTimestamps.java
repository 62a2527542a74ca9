package dev.hindsight.aggregate.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The business timestamp an event will be stored with, read from the metadata text given to the append: the top-level
 * {@code timestamp} string, parsed as the stores parse it ({@link Instant#parse}'s result). Lets the repository
 * snapshot an appended event without reading it back for its timestamp. {@code null} whenever that is not certain
 * (no metadata, no top-level {@code timestamp}, a JSON {@code null} for the store to fill in, anything unparsable):
 * then the caller reads the stored event. Stateless, thread-safe.
 */
public final class MetadataTimestamps {
    private static final JsonFactory JSON = new JsonFactory();

    private MetadataTimestamps() {}

    /** The top-level {@code timestamp} of {@code metadata} as an instant, or {@code null} if not certain. */
    public static @Nullable Instant of(@Nullable String metadata) {
        if (metadata == null) {
            return null;
        }
        try (JsonParser p = JSON.createParser(metadata)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Instant found = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("timestamp".equals(name)) {
                    if (found != null || v != JsonToken.VALUE_STRING) {
                        return null; // a duplicate key or a value the store fills in or refuses
                    }
                    found = Instant.parse(p.getText());
                } else {
                    p.skipChildren();
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT ? found : null;
        } catch (IOException | DateTimeException e) {
            return null;
        }
    }
}
