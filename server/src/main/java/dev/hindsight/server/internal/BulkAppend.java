package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Append;
import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /api/appends}: many appends, to many aggregates, in one request. The body is
 * {@code {"appends": [{"aggregate_id", "expected_version"?, "events": event | [event, ...]}, ...]}}; each entry is one
 * atomic append with its own expected version, exactly as {@code POST /api/aggregates/{id}/events} would make it. The
 * entries are independent: a malformed or rejected entry gets its error in its own result and never affects the
 * others. Entries of one aggregate are judged in request order; the valid entries go to the engine as one batch
 * ({@link EventStore#appendAll}), so that the file engine's writer makes one durable write of many. With {@code "ordered": true} every entry
 * runs after the one before it, so the store's global order is the request's, and the first entry that fails stops the
 * rest: they answer {@code not_attempted} (for tools such as {@code import} that must keep a file's order and stop at
 * its first conflict). The answer (200) lists one result per
 * entry, in request order: the append's versions and position, or {@code error} and {@code message} (plus
 * {@code expected} and {@code actual} for a version conflict). Only a body that is not such an envelope at all is
 * refused as a whole (400). Stateless, thread-safe.
 */
final class BulkAppend {
    /** Most entries in one request. */
    static final int MAX_ENTRIES = 10_000;

    private static final Set<String> FIELDS = Set.of("aggregate_id", "expected_version", "events");

    private BulkAppend() {}

    /** One entry's outcome: a result or an error. */
    record Outcome(
            String aggregateId,
            @Nullable AppendResult result,
            @Nullable ApiError error) {}

    /** A parsed entry, or the reason it could not be parsed. */
    private record Entry(
            int index,
            String aggregateId,
            @Nullable ExpectedVersion expected,
            @Nullable List<EventData> events,
            @Nullable ApiError error) {}

    /**
     * Parses the envelope and runs every entry; an entry whose aggregate {@code mayWrite} refuses answers
     * {@code 403 forbidden} and is not appended.
     *
     * @throws InvalidRequestException if the body is not a {@code {"appends": [...]}} object of 1 to
     *     {@value #MAX_ENTRIES} entries
     */
    static List<Outcome> run(EventStore store, byte[] body, Predicate<String> mayWrite) {
        JsonNode root = RequestTree.parse(body);
        JsonNode appends = root.isObject() ? root.get("appends") : null;
        JsonNode ordered = root.isObject() ? root.get("ordered") : null;
        if (appends == null
                || !appends.isArray()
                || root.size() != (ordered == null ? 1 : 2)
                || (ordered != null && !ordered.isBoolean())) {
            throw new InvalidRequestException("body must be {\"appends\": [{\"aggregate_id\", \"expected_version\"?,"
                    + " \"events\"}, ...], \"ordered\"?: true|false}");
        }
        if (appends.isEmpty() || appends.size() > MAX_ENTRIES) {
            throw new InvalidRequestException(
                    "appends must hold 1 to " + MAX_ENTRIES + " entries, not " + appends.size());
        }
        List<Entry> entries = new ArrayList<>(appends.size());
        for (int i = 0; i < appends.size(); i++) {
            Entry e = entry(i, appends.get(i));
            if (e.error() == null && !mayWrite.test(e.aggregateId())) {
                e = new Entry(i, e.aggregateId(), null, null, Access.outsideScope(e.aggregateId()));
            }
            entries.add(e);
        }
        Outcome[] out = new Outcome[entries.size()];
        if (ordered != null && ordered.booleanValue()) {
            appendInOrder(store, entries, out);
            return List.of(out);
        }
        List<Append> valid = new ArrayList<>(entries.size());
        List<Entry> sent = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (e.error() != null) {
                out[e.index()] = new Outcome(e.aggregateId(), null, e.error());
            } else {
                valid.add(new Append(
                        e.aggregateId(),
                        e.expected() == null ? ExpectedVersion.ANY : e.expected(),
                        Objects.requireNonNull(e.events())));
                sent.add(e);
            }
        }
        if (!valid.isEmpty()) {
            List<AppendOutcome> done = store.appendAll(valid);
            for (int i = 0; i < done.size(); i++) {
                Entry e = sent.get(i);
                AppendOutcome o = done.get(i);
                out[e.index()] = o.ok()
                        ? new Outcome(e.aggregateId(), o.result(), null)
                        : new Outcome(e.aggregateId(), null, ApiError.from(Objects.requireNonNull(o.error())));
            }
        }
        return List.of(out);
    }

    /** Every entry after the one before; after the first failure the rest answer {@code not_attempted}. */
    private static void appendInOrder(EventStore store, List<Entry> entries, Outcome[] out) {
        int failed = -1;
        for (Entry e : entries) {
            if (failed >= 0) {
                out[e.index()] = new Outcome(
                        e.aggregateId(),
                        null,
                        ApiError.of(409, "not_attempted", "not attempted: append " + failed + " failed before it"));
                continue;
            }
            if (e.error() != null) {
                out[e.index()] = new Outcome(e.aggregateId(), null, e.error());
            } else {
                appendOne(store, e, out);
            }
            if (out[e.index()].error() != null) {
                failed = e.index();
            }
        }
    }

    private static void appendOne(EventStore store, Entry e, Outcome[] out) {
        try {
            AppendResult r = store.append(
                    e.aggregateId(),
                    e.expected() == null ? ExpectedVersion.ANY : e.expected(),
                    Objects.requireNonNull(e.events()));
            out[e.index()] = new Outcome(e.aggregateId(), r, null);
        } catch (RuntimeException ex) {
            out[e.index()] = new Outcome(e.aggregateId(), null, ApiError.from(ex));
        }
    }

    private static Entry entry(int index, JsonNode node) {
        String where = " (append " + index + ")";
        String aggregateId =
                node.path("aggregate_id").isTextual() ? node.get("aggregate_id").textValue() : "";
        try {
            if (!node.isObject()) {
                throw new InvalidRequestException("each append must be a JSON object" + where);
            }
            Set<String> unknown = new TreeSet<>();
            node.fieldNames().forEachRemaining(n -> {
                if (!FIELDS.contains(n)) {
                    unknown.add(n);
                }
            });
            if (!unknown.isEmpty()) {
                throw new InvalidRequestException("unknown field(s) " + String.join(", ", unknown) + where
                        + "; allowed: aggregate_id, expected_version, events");
            }
            if (!node.path("aggregate_id").isTextual()) {
                throw new InvalidRequestException("aggregate_id is required and must be a string" + where);
            }
            JsonNode events = node.get("events");
            if (events == null || events.isNull()) {
                throw new InvalidRequestException("events is required" + where);
            }
            return new Entry(
                    index,
                    aggregateId,
                    expected(node.get("expected_version"), where),
                    AppendRequest.events(events),
                    null);
        } catch (InvalidRequestException e) {
            return new Entry(index, aggregateId, null, null, ApiError.from(e));
        }
    }

    private static @Nullable ExpectedVersion expected(@Nullable JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return ExpectedVersion.parse(Long.toString(v.longValue()));
        }
        if (v.isTextual()) {
            return ExpectedVersion.parse(v.textValue());
        }
        throw new InvalidRequestException(
                "expected_version must be any, no_stream, exists or a version number" + where);
    }

    /** The answer body: {@code {"results": [...]}} in request order. */
    static void write(JsonGenerator g, List<Outcome> outcomes) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("results");
        for (Outcome o : outcomes) {
            g.writeStartObject();
            g.writeStringField("aggregate_id", o.aggregateId());
            AppendResult r = o.result();
            if (r != null) {
                g.writeNumberField("first_version", r.firstVersion());
                g.writeNumberField("last_version", r.lastVersion());
                g.writeStringField("position", r.position().toString());
            } else {
                Objects.requireNonNull(o.error()).writeFields(g);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
