package dev.hindsight.core.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.hindsight.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Canonical JSON of an event's {@code event_data} or {@code metadata} in one streaming pass: the parser's tokens are
 * copied straight to a UTF-8 generator, with no tree in between, and the UTF-8 size comes from the bytes written.
 * Stateless, thread-safe.
 *
 * <p>This is a fast path only. It produces exactly what parsing to a tree ({@link Json#parseObject}, decimals as
 * {@code BigDecimal}) and writing that tree ({@link Json#write}) produces, and gives up (returns {@code null}) on
 * everything where the two could differ or where the input is not a well-formed object: malformed JSON, a root that
 * is not an object, content after the root object, a duplicate key (the tree keeps the last value at the first
 * key's place), a string with a UTF-16 surrogate, a number or string the generator refuses. The caller then takes the tree path, which accepts or
 * rejects the input as before with its own error message. {@code CanonicalJsonTest} checks the equivalence on
 * seeded random documents.
 */
final class CanonicalJson {
    /**
     * The mapper's factory (same read constraints), but writing characters outside the BMP as raw UTF-8 as the
     * tree path does (the UTF-8 generator would escape them as surrogate pairs by default).
     */
    private static final JsonFactory FACTORY = Json.mapper()
            .getFactory()
            .rebuild()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            // rebuild() does not carry the shared buffer pool over: without it every copy on a new (virtual) thread
            // allocated ~20 KB of fresh parser and generator buffers (measured with JFR: most of a bulk append's
            // allocation, a third of its CPU)
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();

    private static final String TIMESTAMP = "timestamp";

    /**
     * Canonical text and its size.
     *
     * @param text compact JSON text
     * @param utf8Bytes length of {@code text} in UTF-8
     * @param timestamp for metadata: the (normalized) {@code timestamp}
     * @param timestampAssigned for metadata: whether {@code timestamp} was absent or null and set to "now"
     */
    record Result(String text, long utf8Bytes, @Nullable Instant timestamp, boolean timestampAssigned) {}

    private CanonicalJson() {}

    /** {@code event_data}: any JSON object; {@code null} means "take the tree path". */
    static @Nullable Result data(String json) {
        return copy(json, null);
    }

    /**
     * {@code metadata}: a JSON object whose top-level {@code timestamp}, when present and not null, is an ISO-8601
     * instant (written back normalized); when absent or null it becomes {@code now}. {@code null} means "take the
     * tree path".
     */
    static @Nullable Result metadata(String json, Instant now) {
        return copy(json, now);
    }

    /** {@code metadata} absent: an object holding only the timestamp. */
    static Result metadataOf(Instant now) {
        String text = "{\"timestamp\":\"" + IsoInstants.format(now) + "\"}";
        return new Result(text, text.length(), now, true);
    }

    private static @Nullable Result copy(String json, @Nullable Instant now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length() + (now == null ? 0 : 48));
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Instant timestamp = null;
            boolean assigned = false;
            try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                ObjectKeys keys = new ObjectKeys();
                keys.open();
                int depth = 1;
                while (depth > 0) {
                    JsonToken t = p.nextToken();
                    if (t == null) {
                        return null;
                    }
                    switch (t) {
                        case START_OBJECT -> {
                            g.writeStartObject();
                            keys.open();
                            depth++;
                        }
                        case START_ARRAY -> {
                            g.writeStartArray();
                            keys.openArray();
                            depth++;
                        }
                        case END_OBJECT -> {
                            if (depth == 1 && now != null && timestamp == null) {
                                g.writeStringField(TIMESTAMP, IsoInstants.format(now));
                                timestamp = now;
                                assigned = true;
                            }
                            g.writeEndObject();
                            keys.close();
                            depth--;
                        }
                        case END_ARRAY -> {
                            g.writeEndArray();
                            keys.close();
                            depth--;
                        }
                        case FIELD_NAME -> {
                            String name = p.currentName();
                            if (hasSurrogate(name) || !keys.add(name)) {
                                return null;
                            }
                            g.writeFieldName(name);
                            if (depth == 1 && now != null && TIMESTAMP.equals(name)) {
                                JsonToken v = p.nextToken();
                                assigned = v == JsonToken.VALUE_NULL;
                                timestamp = assigned ? now : parseTimestamp(v, p);
                                if (timestamp == null) {
                                    return null;
                                }
                                g.writeString(IsoInstants.format(timestamp));
                            }
                        }
                        case VALUE_STRING -> {
                            char[] chars = p.getTextCharacters();
                            int off = p.getTextOffset();
                            int len = p.getTextLength();
                            if (hasSurrogate(chars, off, len)) {
                                return null;
                            }
                            g.writeString(chars, off, len);
                        }
                        case VALUE_NUMBER_INT -> {
                            switch (p.getNumberType()) {
                                case INT -> g.writeNumber(p.getIntValue());
                                case LONG -> g.writeNumber(p.getLongValue());
                                default -> g.writeNumber(p.getBigIntegerValue());
                            }
                        }
                        case VALUE_NUMBER_FLOAT -> g.writeNumber(p.getDecimalValue());
                        case VALUE_TRUE -> g.writeBoolean(true);
                        case VALUE_FALSE -> g.writeBoolean(false);
                        case VALUE_NULL -> g.writeNull();
                        default -> {
                            return null;
                        }
                    }
                }
            }
            if (p.nextToken() != null) {
                return null; // what the tree path does with trailing content is its business
            }
            return new Result(out.toString(StandardCharsets.UTF_8), out.size(), timestamp, assigned);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether the text holds a UTF-16 surrogate. Pairs would come out the same on both paths, but a lone one is
     * escaped by the UTF-8 generator and kept raw (later stored as {@code ?}) by the tree path: leave all of them to
     * the tree path, they are rare. The loop has no early exit so that it vectorizes.
     */
    private static boolean hasSurrogate(char[] chars, int off, int len) {
        int found = 0;
        for (int i = off; i < off + len; i++) {
            found |= (chars[i] & 0xF800) == 0xD800 ? 1 : 0;
        }
        return found != 0;
    }

    private static boolean hasSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** A top-level {@code timestamp} string as an instant, or {@code null} to give up. */
    private static @Nullable Instant parseTimestamp(@Nullable JsonToken t, JsonParser p) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            return null;
        }
        try {
            return IsoInstants.parse(p.getText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
