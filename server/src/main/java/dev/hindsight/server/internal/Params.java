package dev.hindsight.server.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Parses query parameters and headers; anything malformed is an {@link InvalidRequestException}. Stateless. */
public final class Params {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;

    private Params() {}

    /**
     * Rejects a query string with malformed percent-escapes, which the servlet layer would otherwise drop silently
     * (so that {@code ?limit=%zz} is a 400, not the default limit).
     */
    public static void checkQueryString(@Nullable String query) {
        if (query == null || query.indexOf('%') < 0) {
            return;
        }
        for (String part : query.split("&")) {
            try {
                URLDecoder.decode(part, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("malformed query string near '" + part + "': " + e.getMessage());
            }
        }
    }

    /** A query parameter, {@code null} when absent or blank. */
    public static @Nullable String query(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public static int limit(Context ctx) {
        String v = query(ctx, "limit");
        if (v == null) {
            return DEFAULT_LIMIT;
        }
        long n = parseLong(v, "limit");
        if (n < 1 || n > MAX_LIMIT) {
            throw new InvalidRequestException("limit must be between 1 and " + MAX_LIMIT + ", was " + v);
        }
        return (int) n;
    }

    public static long parseLong(String v, String name) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be an integer, was '" + v + "'");
        }
    }

    /**
     * An ISO-8601 instant such as {@code 2024-05-01T12:00:00Z} or with an offset. A {@code +} in a query string decodes
     * to a space, so a space before the offset is read as {@code +}.
     */
    public static Instant instant(String v, String name) {
        try {
            return Instant.parse(v.replace(' ', '+'));
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(
                    name + " must be an ISO-8601 instant like 2024-05-01T12:00:00Z, was '" + v + "'");
        }
    }

    /**
     * Parses a position and checks it is of the same kind as {@code start} (a sequence number for totally ordered
     * engines, a partition vector for partitioned ones).
     */
    public static Position position(String v, String name, Position start) {
        Position p;
        try {
            p = Position.parse(v);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(name + ": " + e.getMessage());
        }
        if (p.getClass() != start.getClass()) {
            throw new InvalidRequestException(
                    name + " '" + v + "' is not a position of this store (like '" + start + "')");
        }
        return p;
    }

    /**
     * A cursor into the global log ({@code after}, {@code Last-Event-ID}): a {@link #position} of this store, and for a
     * totally ordered store (a sequence number) one at or before its head ({@link #awaitCursor}).
     */
    public static Position cursor(String v, String name, EventStore store) throws InterruptedException {
        Position p = position(v, name, store.log().start());
        awaitCursor(p, v, name, store);
        return p;
    }

    /**
     * Refuses a cursor past the head of a totally ordered store. Every cursor the store gave out is at or before its
     * head, so one past it comes from elsewhere (another store, a store restored from an older backup), and reading
     * or following the log after it would skip, without a word, every event up to it once they are written. An
     * append's own position may lie past the head for a moment (on PostgreSQL while an older append is in flight,
     * ADR 0004): the log is waited on ({@link dev.hindsight.core.spi.EventLog#awaitAfter}) for up to
     * {@link #CURSOR_WAIT} before the cursor is refused.
     *
     * @return whether the head was behind the cursor and had to be waited for (a page read before may have missed
     *     events that are visible now)
     * @throws InvalidRequestException if the head has not reached the cursor after {@link #CURSOR_WAIT}
     */
    public static boolean awaitCursor(Position p, String v, String name, EventStore store) throws InterruptedException {
        if (!(p instanceof Position.Sequence s) || store.head().covers(s)) {
            return false;
        }
        if (!store.log().awaitAfter(new Position.Sequence(s.value() - 1), CURSOR_WAIT)) {
            throw new InvalidRequestException(name + " " + v + " is after the head of this store (" + store.head()
                    + "): not a position it gave out; the events up to it would be skipped");
        }
        return true;
    }

    /** How long {@link #awaitCursor} waits for the head to reach a cursor past it. */
    static final Duration CURSOR_WAIT = Duration.ofSeconds(1);

    /** The {@code event_type=A,B} (repeatable) and {@code aggregate_prefix} filter. */
    public static EventFilter filter(Context ctx) {
        Set<String> types = new LinkedHashSet<>();
        for (String v : ctx.queryParams("event_type")) {
            for (String t : v.split(",")) {
                if (!t.isBlank()) {
                    types.add(t.trim());
                }
            }
        }
        String prefix = ctx.queryParam("aggregate_prefix");
        return new EventFilter(types, prefix == null ? "" : prefix);
    }
}
