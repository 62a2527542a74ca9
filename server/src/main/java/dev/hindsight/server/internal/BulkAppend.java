package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.Append;
import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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

    private BulkAppend() {}

    /** One entry's outcome: a result or an error. */
    record Outcome(
            String aggregateId,
            @Nullable AppendResult result,
            @Nullable ApiError error) {}

    /**
     * Parses the envelope (in one streaming pass, {@link BodyReader#bulk}) and runs every entry; an entry whose
     * aggregate {@code mayWrite} refuses answers {@code 403 forbidden} and is not appended.
     *
     * @throws InvalidRequestException if the body is not a {@code {"appends": [...]}} object of 1 to
     *     {@value #MAX_ENTRIES} entries
     */
    static List<Outcome> run(EventStore store, byte[] body, Predicate<String> mayWrite) {
        BodyReader.Bulk bulk = BodyReader.bulk(body, MAX_ENTRIES);
        List<BodyReader.Entry> entries = bulk.entries();
        Outcome[] out = new Outcome[entries.size()];
        if (bulk.ordered()) {
            appendInOrder(store, entries, mayWrite, out);
            return Arrays.asList(out);
        }
        List<Append> valid = new ArrayList<>(entries.size());
        int[] sent = new int[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            BodyReader.Entry e = entries.get(i);
            ApiError error = error(e, mayWrite);
            if (error != null) {
                out[i] = new Outcome(e.aggregateId(), null, error);
            } else {
                sent[valid.size()] = i;
                valid.add(Objects.requireNonNull(e.append()));
            }
        }
        if (!valid.isEmpty()) {
            List<AppendOutcome> done = store.appendAll(valid);
            for (int j = 0; j < done.size(); j++) {
                int i = sent[j];
                AppendOutcome o = done.get(j);
                out[i] = o.ok()
                        ? new Outcome(entries.get(i).aggregateId(), o.result(), null)
                        : new Outcome(
                                entries.get(i).aggregateId(), null, ApiError.from(Objects.requireNonNull(o.error())));
            }
        }
        return Arrays.asList(out);
    }

    /** Why an entry is not appended: its own error, or that its aggregate may not be written; null if it is. */
    private static @Nullable ApiError error(BodyReader.Entry e, Predicate<String> mayWrite) {
        if (e.error() != null) {
            return ApiError.from(e.error());
        }
        return mayWrite.test(e.aggregateId()) ? null : Access.outsideScope(e.aggregateId());
    }

    /** Every entry after the one before; after the first failure the rest answer {@code not_attempted}. */
    private static void appendInOrder(
            EventStore store, List<BodyReader.Entry> entries, Predicate<String> mayWrite, Outcome[] out) {
        int failed = -1;
        for (int i = 0; i < entries.size(); i++) {
            BodyReader.Entry e = entries.get(i);
            if (failed >= 0) {
                out[i] = new Outcome(
                        e.aggregateId(),
                        null,
                        ApiError.of(409, "not_attempted", "not attempted: append " + failed + " failed before it"));
                continue;
            }
            ApiError error = error(e, mayWrite);
            if (error != null) {
                out[i] = new Outcome(e.aggregateId(), null, error);
            } else {
                out[i] = appendOne(store, Objects.requireNonNull(e.append()));
            }
            if (out[i].error() != null) {
                failed = i;
            }
        }
    }

    private static Outcome appendOne(EventStore store, Append a) {
        try {
            return new Outcome(a.aggregateId(), store.append(a.aggregateId(), a.expected(), a.events()), null);
        } catch (RuntimeException ex) {
            return new Outcome(a.aggregateId(), null, ApiError.from(ex));
        }
    }

    /**
     * The answer body as {@link #write} gives it, from a template, when every entry succeeded and every aggregate id is
     * {@linkplain #plainJson plain} (the usual case: one string of ASCII, no generator); {@code null} otherwise.
     */
    static byte @Nullable [] plainAnswer(List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder(16 + 96 * outcomes.size()).append("{\"results\":[");
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            AppendResult r = o.result();
            if (r == null || !plainJson(o.aggregateId())) {
                return null;
            }
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"aggregate_id\":\"")
                    .append(o.aggregateId())
                    .append("\",\"first_version\":")
                    .append(r.firstVersion())
                    .append(",\"last_version\":")
                    .append(r.lastVersion())
                    .append(",\"position\":\"")
                    .append(r.position())
                    .append("\"}");
        }
        // ASCII throughout (positions are digits, ',' and ':'), so ISO-8859-1 is UTF-8 here
        return b.append("]}").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Whether {@code s} is written into JSON as it is: printable ASCII without {@code "} or {@code \}. */
    static boolean plainJson(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
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
