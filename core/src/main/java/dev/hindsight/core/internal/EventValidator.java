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

    public EventValidator(StoreLimits limits, Clock clock, Supplier<UUID> ids) {
        this.limits = limits;
        this.clock = clock;
        this.ids = ids;
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
            throw new SizeLimitExceededException("append has " + events.size() + " events; the limit is "
                    + limits.maxEventsPerAppend());
        }
        Instant now = clock.instant();
        List<ProposedEvent> out = new ArrayList<>(events.size());
        Set<UUID> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            String where = events.size() == 1 ? "" : " (event " + i + ")";
            validateEventType(e.eventType(), where);
            if (e.schemaVersion() < 1) {
                throw new InvalidRequestException("schema_version must be >= 1" + where);
            }
            String data = Json.write(Json.parseObject(e.eventData(), "event_data" + where));
            ObjectNode meta = e.metadata() == null ? Json.mapper().createObjectNode()
                    : Json.parseObject(e.metadata(), "metadata" + where);
            boolean assigned = meta.get("timestamp") == null || meta.get("timestamp").isNull();
            Instant timestamp = timestampOf(meta, now, where);
            String metadata = Json.write(meta);
            long size = utf8Length(e.eventType()) + utf8Length(data) + utf8Length(metadata);
            if (size > limits.maxEventBytes()) {
                throw new SizeLimitExceededException("event" + where + " is " + size + " bytes; the limit is "
                        + limits.maxEventBytes());
            }
            total += size;
            if (total > limits.maxAppendBytes()) {
                throw new SizeLimitExceededException("append exceeds " + limits.maxAppendBytes() + " bytes");
            }
            UUID id = e.eventId() != null ? e.eventId() : ids.get();
            if (!seen.add(id)) {
                throw new InvalidRequestException("event_id " + id + " appears twice in one append");
            }
            out.add(new ProposedEvent(id, aggregateId, e.eventType(), e.schemaVersion(), data, metadata, timestamp,
                    assigned));
        }
        return out;
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
            Instant parsed = Instant.parse(ts.asText());
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
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < aggregateId.length()
                    && Character.isLowSurrogate(aggregateId.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(aggregateId.charAt(i - 1)))) {
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
        if (type.isEmpty() || type.length() > MAX_EVENT_TYPE_CHARS) {
            throw new InvalidRequestException("event_type must be 1-100 characters" + where);
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                throw new InvalidRequestException("event_type may only contain A-Z a-z 0-9 _ . -" + where);
            }
        }
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
