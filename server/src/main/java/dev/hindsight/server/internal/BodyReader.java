package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.hindsight.core.Append;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The bodies of the append routes, read in one streaming pass straight into the store's records ({@link EventData},
 * {@link Append}), with no JSON tree in between: the single append's event or event array ({@link #events}) and the
 * bulk envelope ({@link #bulk}). An event payload object ({@code event_data}, {@code metadata}) is checked (syntax,
 * nesting depth, duplicate keys) but not built: its text is taken as written, and the store takes it as given when it
 * is already canonical.
 *
 * <p>It answers exactly as the tree it replaces (a JSON tree, then checks of its shape) did, in the same order: an error
 * of the JSON itself (malformed, a duplicate key at any depth, trailing content, too deep, a number out of range
 * outside a payload) anywhere in the body refuses the whole body, ahead of any error of its shape before or after it; a
 * shape error (a wrong type, a missing or unknown field) is reported only once the body has been read to its end, and
 * of several the first the tree's checks would have met, worded the same. So once a shape error is found, the rest of
 * the value is still read with the tree's checks ({@link #check}). Not thread-safe: one instance per body.
 */
final class BodyReader {
    private static final JsonFactory FACTORY = Json.mapper().getFactory();
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int SCAN_LIMIT = 16;

    private final JsonParser p;
    private final byte[] body;

    /** The shape error of the value just read by {@link #events}, {@code null} if it has none. */
    private @Nullable InvalidRequestException problem;

    // Scratch of skipObject, reused from payload to payload.
    private final List<String> keys = new ArrayList<>(16);
    private int[] starts = new int[8];
    private @Nullable Set<String>[] large;

    private BodyReader(JsonParser p, byte[] body) {
        this.p = p;
        this.body = body;
    }

    /** What a bulk body holds: {@code "ordered"} and one entry per append, in request order. */
    record Bulk(boolean ordered, List<Entry> entries) {}

    /**
     * One entry of a bulk body: the append, or why it cannot be made.
     *
     * @param aggregateId the entry's {@code aggregate_id}, {@code ""} when it has none that is a string
     */
    record Entry(
            String aggregateId,
            @Nullable Append append,
            @Nullable InvalidRequestException error) {}

    /** A step that reads the body's one value, starting at its first token. */
    @FunctionalInterface
    private interface Step<T> {
        T read(BodyReader r, JsonToken first) throws IOException;
    }

    /**
     * The events of a single append: one event object or a non-empty array of them, each {@code {"event_id"?,
     * "event_type", "schema_version"?, "event_data", "metadata"?}}.
     *
     * @throws InvalidRequestException if the body is not that
     */
    static List<EventData> events(byte[] body) {
        return read(body, (r, first) -> r.events(first));
    }

    /**
     * The entries of a bulk append: {@code {"appends": [{"aggregate_id", "expected_version"?, "events"}, ...],
     * "ordered"?: true|false}}; an entry that is not such an append is returned with its error.
     *
     * @param maxEntries most entries a request may hold
     * @throws InvalidRequestException if the body is not such an envelope of 1 to {@code maxEntries} entries
     */
    static Bulk bulk(byte[] body, int maxEntries) {
        return read(body, (r, first) -> r.envelope(first, maxEntries));
    }

    private static <T> T read(byte[] body, Step<T> step) {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new InvalidRequestException("body is empty; send an event object or an array of them");
            }
            BodyReader r = new BodyReader(p, body);
            T value = step.read(r, t);
            if (p.nextToken() != null) {
                throw new InvalidRequestException(
                        "body is not valid JSON: content after the end of the document at byte "
                                + p.currentTokenLocation().getByteOffset());
            }
            return r.problem == null ? value : r.fail();
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (NumberFormatException e) {
            // Jackson reads a decimal such as 1e999999999999 lazily and refuses it unchecked (found by RequestFuzzTest)
            throw new InvalidRequestException("body has a number out of range: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidRequestException("body could not be read: " + e.getMessage());
        }
    }

    /** Throws the shape error found (the caller has read the body to its end). */
    private <T> T fail() {
        throw java.util.Objects.requireNonNull(problem);
    }

    // ---- the bulk envelope

    private static final int APPENDS = 1;
    private static final int ORDERED = 2;

    private @Nullable Bulk envelope(JsonToken t, int maxEntries) throws IOException {
        List<Entry> entries = null;
        int count = 0;
        boolean ordered = false;
        boolean valid = t == JsonToken.START_OBJECT;
        if (!valid) {
            check(t);
        } else {
            int seen = 0;
            int fields = 0;
            Set<String> others = null;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken v = p.nextToken();
                fields++;
                switch (name) {
                    case "appends" -> {
                        if (v == JsonToken.START_ARRAY) {
                            entries = new ArrayList<>();
                            count = entries(entries, maxEntries);
                        } else {
                            check(v);
                            valid = false;
                        }
                        seen = once(seen, APPENDS, name);
                    }
                    case "ordered" -> {
                        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
                            ordered = v == JsonToken.VALUE_TRUE;
                        } else {
                            check(v);
                            valid = false;
                        }
                        seen = once(seen, ORDERED, name);
                    }
                    default -> {
                        checkField(name, v);
                        others = once(others, name);
                        valid = false;
                    }
                }
            }
            valid &= (seen & APPENDS) != 0 && fields == Integer.bitCount(seen);
        }
        if (!valid || entries == null) {
            problem =
                    new InvalidRequestException("body must be {\"appends\": [{\"aggregate_id\", \"expected_version\"?,"
                            + " \"events\"}, ...], \"ordered\"?: true|false}");
            return null;
        }
        if (count == 0 || count > maxEntries) {
            problem = new InvalidRequestException("appends must hold 1 to " + maxEntries + " entries, not " + count);
            return null;
        }
        return new Bulk(ordered, entries);
    }

    /** Reads the entries of the {@code appends} array into {@code out} (beyond {@code max}, only checks them). */
    private int entries(List<Entry> out, int max) throws IOException {
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), n++) {
            if (t == null) {
                throw new InvalidRequestException("body is not valid JSON: unexpected end of input in an array");
            }
            if (n < max) {
                out.add(entry(n, t));
            } else {
                check(t); // the request is refused as a whole: its JSON is still checked to the end
            }
        }
        return n;
    }

    private static final int AGGREGATE_ID = 1;
    private static final int EXPECTED_VERSION = 2;
    private static final int EVENTS = 4;

    /** One bulk entry (its shape errors are the entry's, not the body's). */
    private Entry entry(int index, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            check(t);
            return new Entry("", null, new InvalidRequestException("each append must be a JSON object" + at(index)));
        }
        int seen = 0;
        String aggregateId = null;
        boolean idOk = false;
        Object expected = null; // null (absent or JSON null), a String, a Long, or BAD
        List<EventData> events = null;
        boolean eventsPresent = false;
        InvalidRequestException eventsProblem = null;
        TreeSet<String> unknown = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "aggregate_id" -> {
                    idOk = v == JsonToken.VALUE_STRING;
                    if (idOk) {
                        aggregateId = p.getText();
                    } else {
                        check(v);
                    }
                    seen = once(seen, AGGREGATE_ID, name);
                }
                case "expected_version" -> {
                    expected = expectedVersion(v);
                    seen = once(seen, EXPECTED_VERSION, name);
                }
                case "events" -> {
                    eventsPresent = v != JsonToken.VALUE_NULL;
                    if (eventsPresent) {
                        events = events(v);
                        eventsProblem = problem;
                        problem = null;
                    }
                    seen = once(seen, EVENTS, name);
                }
                default -> {
                    checkField(name, v);
                    if (unknown == null) {
                        unknown = new TreeSet<>();
                    }
                    if (!unknown.add(name)) {
                        throw duplicate(name);
                    }
                }
            }
        }
        String id = idOk ? java.util.Objects.requireNonNull(aggregateId) : "";
        InvalidRequestException error;
        if (unknown != null) {
            error = new InvalidRequestException("unknown field(s) " + String.join(", ", unknown) + at(index)
                    + "; allowed: aggregate_id, expected_version, events");
        } else if (!idOk) {
            error = new InvalidRequestException("aggregate_id is required and must be a string" + at(index));
        } else if (!eventsPresent) {
            error = new InvalidRequestException("events is required" + at(index));
        } else if (expected == BAD) {
            error = new InvalidRequestException(
                    "expected_version must be any, no_stream, exists or a version number" + at(index));
        } else {
            ExpectedVersion version;
            try {
                version = expected == null ? ExpectedVersion.ANY : ExpectedVersion.parse(expected.toString());
            } catch (InvalidRequestException e) {
                return new Entry(id, null, e);
            }
            if (eventsProblem != null) {
                return new Entry(id, null, eventsProblem);
            }
            return new Entry(id, new Append(id, version, java.util.Objects.requireNonNull(events)), null);
        }
        return new Entry(id, null, error);
    }

    private static final Object BAD = new Object();

    /** An {@code expected_version} value: null, its text, its number, or {@link #BAD}. */
    private @Nullable Object expectedVersion(JsonToken v) throws IOException {
        return switch (v) {
            case VALUE_NULL -> null;
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    p.getBigIntegerValue(); // beyond a long: not a version, but read as the tree did
                    yield BAD;
                }
                yield p.getLongValue();
            }
            default -> {
                check(v);
                yield BAD;
            }
        };
    }

    private static String at(int index) {
        return " (append " + index + ")";
    }

    // ---- events

    /**
     * The events of one append: an event object or a non-empty array of them. On a shape error returns {@code null}
     * with {@link #problem} set, having read the value to its end.
     */
    private @Nullable List<EventData> events(JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            EventData e = event(-1);
            return e == null ? null : List.of(e);
        }
        if (t != JsonToken.START_ARRAY) {
            check(t);
            problem = new InvalidRequestException("body must be an event object or an array of event objects");
            return null;
        }
        List<EventData> events = new ArrayList<>(4);
        InvalidRequestException first = null;
        int i = 0;
        for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            if (t == null) {
                throw new InvalidRequestException("body is not valid JSON: unexpected end of input in an array");
            }
            if (first != null) {
                check(t);
            } else if (t == JsonToken.START_OBJECT) {
                EventData e = event(i);
                if (e == null) {
                    first = problem;
                } else {
                    events.add(e);
                }
            } else {
                check(t);
                first = new InvalidRequestException("each event must be a JSON object" + where(i));
            }
        }
        if (first == null && i == 0) {
            first = new InvalidRequestException("an append needs at least one event");
        }
        problem = first;
        return first == null ? events : null;
    }

    private static final int EVENT_ID = 1;
    private static final int EVENT_TYPE = 2;
    private static final int SCHEMA_VERSION = 4;
    private static final int EVENT_DATA = 8;
    private static final int METADATA = 16;

    /**
     * One event object, the parser at its start; on a shape error returns {@code null} with {@link #problem} set,
     * having read the object to its end.
     *
     * @param index its place in an event array, -1 when it is the append's only value
     */
    private @Nullable EventData event(int index) throws IOException {
        int seen = 0;
        Object eventId = null; // null (absent or JSON null), its text, or BAD
        Object type = null; // likewise
        int schemaVersion = 1; // 0 when not an integer >= 1
        Object data = null; // null, its text, or BAD (not an object)
        Object meta = null; // likewise
        TreeSet<String> unknown = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "event_id" -> {
                    eventId = text(v);
                    seen = once(seen, EVENT_ID, name);
                }
                case "event_type" -> {
                    type = text(v);
                    seen = once(seen, EVENT_TYPE, name);
                }
                case "schema_version" -> {
                    schemaVersion = schemaVersion(v);
                    seen = once(seen, SCHEMA_VERSION, name);
                }
                case "event_data" -> {
                    data = payload(v);
                    seen = once(seen, EVENT_DATA, name);
                }
                case "metadata" -> {
                    meta = payload(v);
                    seen = once(seen, METADATA, name);
                }
                default -> {
                    checkField(name, v);
                    if (unknown == null) {
                        unknown = new TreeSet<>();
                    }
                    if (!unknown.add(name)) {
                        throw duplicate(name);
                    }
                }
            }
        }
        if (unknown != null) {
            return problem("unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + where(index) + "; allowed: event_id, event_type, schema_version, event_data, metadata");
        }
        if (!(type instanceof String eventType)) {
            return problem("event_type is required and must be a string" + where(index));
        }
        if (!(data instanceof String eventData)) {
            return problem("event_data is required and must be a JSON object" + where(index));
        }
        if (meta == BAD) {
            return problem("metadata must be a JSON object" + where(index));
        }
        UUID id = null;
        if (eventId != null) {
            if (!(eventId instanceof String text) || !UUID_TEXT.matcher(text).matches()) {
                return problem("event_id must be a UUID string like" + " \"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\""
                        + where(index));
            }
            id = UUID.fromString(text);
        }
        if (schemaVersion < 1) {
            return problem("schema_version must be an integer >= 1" + where(index));
        }
        return new EventData(id, eventType, schemaVersion, eventData, (String) meta);
    }

    private @Nullable EventData problem(String message) {
        problem = new InvalidRequestException(message);
        return null;
    }

    private static String where(int index) {
        return index < 0 ? "" : " (event " + index + ")";
    }

    /** A value that must be a string: null (JSON null), its text, or {@link #BAD}. */
    private @Nullable Object text(JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        check(v);
        return v == JsonToken.VALUE_NULL ? null : BAD;
    }

    /** A {@code schema_version} value: itself when an integer >= 1, 1 when JSON null, else 0. */
    private int schemaVersion(JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return Math.max(0, p.getIntValue());
        }
        check(v);
        return v == JsonToken.VALUE_NULL ? 1 : 0;
    }

    /** A payload value: its text when an object, null when JSON null, else {@link #BAD}. */
    private @Nullable Object payload(JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            skipObject();
            int end = (int) p.currentTokenLocation().getByteOffset() + 1;
            return new String(body, start, end - start, StandardCharsets.UTF_8);
        }
        check(v);
        return v == JsonToken.VALUE_NULL ? null : BAD;
    }

    // ---- the tree's checks, without the tree

    /** Marks a known field as seen, refusing it the second time. */
    private static int once(int seen, int field, String name) {
        if ((seen & field) != 0) {
            throw duplicate(name);
        }
        return seen | field;
    }

    /** Marks another field as seen, refusing it the second time. */
    private static Set<String> once(@Nullable Set<String> seen, String name) {
        Set<String> s = seen == null ? new HashSet<>() : seen;
        if (!s.add(name)) {
            throw duplicate(name);
        }
        return s;
    }

    /** Reads the value of field {@code name} as the tree did: an object under a payload's name is a payload. */
    private void checkField(String name, JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT && ("event_data".equals(name) || "metadata".equals(name))) {
            skipObject();
        } else {
            check(v);
        }
    }

    /**
     * Reads a value, starting at its first token, with exactly the checks the tree applied while building it (strings
     * decoded, numbers converted, duplicate keys refused, payload objects skipped), building nothing: for values whose
     * shape is wrong, or that follow a shape error.
     */
    private void check(JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Set<String> names = null;
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    checkField(name, p.nextToken());
                    names = once(names, name);
                }
            }
            case START_ARRAY -> {
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    if (e == null) {
                        throw new InvalidRequestException(
                                "body is not valid JSON: unexpected end of input in an array");
                    }
                    check(e);
                }
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> {
                switch (p.getNumberType()) {
                    case INT -> p.getIntValue();
                    case LONG -> p.getLongValue();
                    default -> p.getBigIntegerValue();
                }
            }
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
            case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                // nothing to read
            }
            default -> throw new InvalidRequestException("body is not valid JSON: unexpected " + t);
        }
    }

    /**
     * Skips the object the parser is at, refusing a duplicate key: the keys of the open objects are kept on one list
     * (innermost last, {@code starts} says where each open object's or array's begin); an object with more than
     * {@value #SCAN_LIMIT} keys gets a hash set instead of the linear scan. Jackson hands out field names from its
     * symbol table, so the list holds no new strings.
     */
    private void skipObject() throws IOException {
        keys.clear();
        if (large != null) {
            large[0] = null;
        }
        int depth = 0; // open objects and arrays, beyond the first object
        starts[0] = 0;
        while (true) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new InvalidRequestException("body is not valid JSON: unexpected end of input in an object");
            }
            switch (t) {
                case FIELD_NAME -> {
                    String name = p.currentName();
                    int from = starts[depth];
                    Set<String> set = large == null ? null : large[depth];
                    if (set != null) {
                        if (!set.add(name)) {
                            throw duplicate(name);
                        }
                    } else {
                        for (int i = from; i < keys.size(); i++) {
                            if (keys.get(i).equals(name)) {
                                throw duplicate(name);
                            }
                        }
                        keys.add(name);
                        if (keys.size() - from > SCAN_LIMIT) {
                            if (large == null) {
                                large = newSets(starts.length);
                            }
                            large[depth] = new HashSet<>(keys.subList(from, keys.size()));
                        }
                    }
                }
                case START_OBJECT, START_ARRAY -> {
                    depth++;
                    if (depth == starts.length) {
                        starts = Arrays.copyOf(starts, depth * 2);
                        if (large != null) {
                            large = Arrays.copyOf(large, depth * 2);
                        }
                    }
                    starts[depth] = keys.size();
                    if (large != null) {
                        large[depth] = null;
                    }
                }
                case END_OBJECT, END_ARRAY -> {
                    if (depth == 0) {
                        return;
                    }
                    keys.subList(starts[depth], keys.size()).clear();
                    depth--;
                }
                default -> {
                    // a scalar: the parser has checked it
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static @Nullable Set<String>[] newSets(int n) {
        return (Set<String>[]) new Set<?>[n];
    }

    /** What Jackson's duplicate detector said, for the same answer as before. */
    private static InvalidRequestException duplicate(String name) {
        return new InvalidRequestException("body is not valid JSON: Duplicate field '" + name + "'");
    }
}
