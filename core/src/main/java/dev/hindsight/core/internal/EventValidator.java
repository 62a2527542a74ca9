package dev.hindsight.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreLimits;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns user {@link EventData} into engine-ready {@link ProposedEvent}s: validates ids, types, JSON and sizes,
 * canonicalizes JSON, assigns missing event ids and {@code metadata.timestamp}. Thread-safe.
 */
public final class EventValidator {
    private static final int MAX_AGGREGATE_ID_BYTES = 255;
    private static final int MAX_EVENT_TYPE_CHARS = 100;

    private final StoreLimits limits;
    private final Clock clock;
    private final Supplier<UUID> ids;
    /** Whether {@link #ids} draws fresh random ids ({@link RandomUuids}): see {@link ProposedEvent#idFresh()}. */
    private final boolean freshIds;

    public EventValidator(StoreLimits limits, Clock clock, Supplier<UUID> ids) {
        this.limits = limits;
        this.clock = clock;
        this.ids = ids;
        this.freshIds = ids instanceof RandomUuids;
    }

    /**
     * Validates an append.
     *
     * @throws InvalidRequestException on malformed input
     * @throws SizeLimitExceededException over the limits
     */
    public List<ProposedEvent> validate(String aggregateId, List<EventData> events) {
        validateAggregateId(aggregateId);
        if (events.isEmpty()) {
            throw new InvalidRequestException("an append needs at least one event");
        }
        if (events.size() > limits.maxEventsPerAppend()) {
            throw new SizeLimitExceededException(
                    "append has " + events.size() + " events; the limit is " + limits.maxEventsPerAppend());
        }
        Instant now = clock.instant();
        List<ProposedEvent> out = new ArrayList<>(events.size());
        Set<UUID> seen = events.size() == 1 ? Set.of() : new HashSet<>();
        long total = 0;
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            validateEventType(e.eventType(), i, events.size());
            if (e.schemaVersion() < 1) {
                throw new InvalidRequestException("schema_version must be >= 1" + where(i, events.size()));
            }
            CanonicalJson.Result data = canonicalData(e.eventData(), i, events.size());
            CanonicalJson.Result meta = canonicalMetadata(e.metadata(), now, i, events.size());
            // event types are ASCII (checked above): their length in chars is their length in UTF-8
            long size = e.eventType().length() + data.utf8Bytes() + meta.utf8Bytes();
            if (size > limits.maxEventBytes()) {
                throw new SizeLimitExceededException("event" + where(i, events.size()) + " is " + size
                        + " bytes; the limit is " + limits.maxEventBytes());
            }
            total += size;
            if (total > limits.maxAppendBytes()) {
                throw new SizeLimitExceededException("append exceeds " + limits.maxAppendBytes() + " bytes");
            }
            boolean assignedId = e.eventId() == null;
            UUID id = assignedId ? ids.get() : e.eventId();
            if (events.size() > 1 && !seen.add(id)) {
                throw new InvalidRequestException("event_id " + id + " appears twice in one append");
            }
            out.add(new ProposedEvent(
                    id,
                    aggregateId,
                    e.eventType(),
                    e.schemaVersion(),
                    data.text(),
                    meta.text(),
                    requireTimestamp(meta),
                    meta.timestampAssigned(),
                    assignedId && freshIds));
        }
        return out;
    }

    /** " (event i)" in messages about a multi-event append; built only when an error is thrown. */
    private static String where(int i, int n) {
        return n == 1 ? "" : " (event " + i + ")";
    }

    private static Instant requireTimestamp(CanonicalJson.Result meta) {
        Instant t = meta.timestamp();
        if (t == null) {
            throw new IllegalStateException("metadata without timestamp");
        }
        return t;
    }

    /**
     * Canonical {@code event_data}: as given when it already is (the common case, checked by one scan), else the
     * streaming fast path, else the tree path (which also reports errors).
     */
    private static CanonicalJson.Result canonicalData(String json, int i, int n) {
        long asGiven = CanonicalCheck.data(json);
        if (asGiven >= 0) {
            return new CanonicalJson.Result(json, asGiven, null, false);
        }
        CanonicalJson.Result fast = CanonicalJson.data(json);
        if (fast != null) {
            return fast;
        }
        String text =
                requireUnicode(Json.write(Json.parseObject(json, "event_data" + where(i, n))), "event_data", i, n);
        return new CanonicalJson.Result(text, utf8Length(text), null, false);
    }

    /**
     * Canonical {@code metadata} with its timestamp: as given when it already is, else the streaming fast path, else
     * the tree path.
     */
    private static CanonicalJson.Result canonicalMetadata(@Nullable String json, Instant now, int i, int n) {
        if (json == null) {
            return CanonicalJson.metadataOf(now);
        }
        CanonicalJson.Result fast = CanonicalCheck.metadata(json, now);
        if (fast == null) {
            fast = CanonicalJson.metadata(json, now);
        }
        if (fast != null) {
            return fast;
        }
        String where = where(i, n);
        ObjectNode meta = Json.parseObject(json, "metadata" + where);
        boolean assigned =
                meta.get("timestamp") == null || meta.get("timestamp").isNull();
        Instant timestamp = timestampOf(meta, now, where);
        String text = requireUnicode(Json.write(meta), "metadata", i, n);
        return new CanonicalJson.Result(text, utf8Length(text), timestamp, assigned);
    }

    /**
     * {@code text}, if it holds no unpaired UTF-16 surrogate. JSON may escape one (a backslash-u escape of D800 to
     * DFFF), but it is no character and UTF-8 cannot hold it: it would be stored as {@code ?}, and a retry of the same
     * append then refused as a duplicate id with other content. Only the tree path needs the check: the other two give
     * up on surrogates.
     *
     * @throws InvalidRequestException if it holds one
     */
    private static String requireUnicode(String text, String what, int i, int n) {
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && k + 1 < text.length() && Character.isLowSurrogate(text.charAt(k + 1))) {
                k++; // a pair: one character outside the BMP
                continue;
            }
            throw new InvalidRequestException(what + where(i, n)
                    + " is not valid Unicode: a string holds an unpaired UTF-16 surrogate (\\u"
                    + Integer.toHexString(c) + ")");
        }
        return text;
    }

    private static Instant timestampOf(ObjectNode meta, Instant now, String where) {
        JsonNode ts = meta.get("timestamp");
        if (ts == null || ts.isNull()) {
            meta.put("timestamp", now.toString());
            return now;
        }
        if (!ts.isTextual()) {
            throw new InvalidRequestException("metadata.timestamp must be an ISO-8601 string" + where);
        }
        try {
            Instant parsed = IsoInstants.parse(ts.asText());
            meta.put("timestamp", parsed.toString());
            return parsed;
        } catch (DateTimeParseException ex) {
            throw new InvalidRequestException(
                    "metadata.timestamp is not an ISO-8601 instant" + where + ": '" + ts.asText() + "'");
        }
    }

    /**
     * Checks an aggregate id: 1–255 UTF-8 bytes, no control characters, no {@code /}.
     *
     * @throws InvalidRequestException otherwise
     */
    public static void validateAggregateId(String aggregateId) {
        if (aggregateId.isEmpty()) {
            throw new InvalidRequestException("aggregate_id must not be empty");
        }
        for (int i = 0; i < aggregateId.length(); i++) {
            char c = aggregateId.charAt(i);
            if (Character.isISOControl(c) || c == '/') {
                throw new InvalidRequestException("aggregate_id must not contain control characters or '/'");
            }
            if (Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c)
                            && i + 1 < aggregateId.length()
                            && Character.isLowSurrogate(aggregateId.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c)
                            && i > 0
                            && Character.isHighSurrogate(aggregateId.charAt(i - 1)))) {
                throw new InvalidRequestException("aggregate_id is not valid Unicode");
            }
        }
        if (utf8Length(aggregateId) > MAX_AGGREGATE_ID_BYTES) {
            throw new InvalidRequestException("aggregate_id must be at most 255 bytes of UTF-8");
        }
    }

    /**
     * Checks an event type: 1–100 characters of {@code [A-Za-z0-9_.-]}.
     *
     * @throws InvalidRequestException otherwise
     */
    public static void validateEventType(String type, String where) {
        if (!validEventType(type)) {
            throw new InvalidRequestException(eventTypeProblem(type) + where);
        }
    }

    private static void validateEventType(String type, int i, int n) {
        if (!validEventType(type)) {
            throw new InvalidRequestException(eventTypeProblem(type) + where(i, n));
        }
    }

    private static boolean validEventType(String type) {
        if (type.isEmpty() || type.length() > MAX_EVENT_TYPE_CHARS) {
            return false;
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String eventTypeProblem(String type) {
        return type.isEmpty() || type.length() > MAX_EVENT_TYPE_CHARS
                ? "event_type must be 1-100 characters"
                : "event_type may only contain A-Z a-z 0-9 _ . -";
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
