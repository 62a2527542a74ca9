package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.AggregateSlice;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.server.ApiException;
import dev.hindsight.server.ServerPlugin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.eclipse.jetty.io.EofException;
import org.jspecify.annotations.Nullable;

/** The JSON events API: append, aggregate reads (also as of an instant), global log reads, health. Thread-safe. */
public final class EventsApi {
    private final EventStore store;
    private final ServerMetrics metrics;
    private final int maxBodyBytes;

    /**
     * @param maxBodyBytes request bodies larger than this are refused with 413 before parsing
     */
    public EventsApi(EventStore store, ServerMetrics metrics, int maxBodyBytes) {
        this.store = store;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** {@code POST /api/aggregates/{aggregate_id}/events} as a Javalin route. */
    public void append(Context ctx) throws Exception {
        byte[] answer = append(ctx.pathParam("aggregate_id"), ctx.header("Expected-Version"), () -> body(ctx));
        json(ctx.status(201), answer);
    }

    /** A request body, read only once the checks that need none have passed. */
    @FunctionalInterface
    public interface Body {
        byte[] read() throws IOException;
    }

    /**
     * Appends the events of {@code body} to {@code aggregateId} and waits for the answer: {@link #appendAsync} for the
     * routes whose thread may block (the Javalin route of the ids {@link AppendHandler} leaves to Javalin).
     *
     * @return the JSON of the {@code 201} answer
     */
    public byte[] append(String aggregateId, @Nullable String expectedVersion, Body body) throws Exception {
        CompletableFuture<byte[]> answer = appendAsync(aggregateId, expectedVersion, body);
        RouteGuard.await(answer);
        return answer.join();
    }

    /**
     * Appends the events of {@code body} to {@code aggregateId}: {@code POST /api/aggregates/{aggregate_id}/events},
     * whichever layer serves it (a Javalin route, {@link AppendHandler}). The checks, the body and its parse run on the
     * calling thread; the append's durable write completes the future, on the engine's thread (no thread waits for
     * it), with the JSON of the {@code 201} answer or exceptionally with the store's exception. Counts the append or
     * its failure.
     *
     * @param expectedVersion the {@code Expected-Version} header, {@code null} when absent
     * @throws ApiException 403 for a system aggregate; the store's exceptions for a malformed request
     */
    public CompletableFuture<byte[]> appendAsync(String aggregateId, @Nullable String expectedVersion, Body body)
            throws IOException {
        if (Audit.isSystem(aggregateId)) { // also with authentication off
            throw new ApiException(
                    403, "forbidden", "'" + aggregateId + "' is a system aggregate: only the server writes it");
        }
        CompletableFuture<AppendResult> appended;
        try {
            ExpectedVersion expected = expectedVersion == null || expectedVersion.isBlank()
                    ? ExpectedVersion.ANY
                    : ExpectedVersion.parse(expectedVersion);
            List<EventData> events = AppendRequest.parse(body.read());
            appended = store.appendAsync(aggregateId, expected, events);
        } catch (RuntimeException e) {
            metrics.appendFailed(failureCode(e));
            throw e;
        }
        return appended.handle((r, failure) -> {
            if (failure != null) {
                Throwable cause =
                        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                metrics.appendFailed(failureCode(cause));
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            }
            metrics.appended(r);
            try {
                return appended(r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The code an append failure is counted under: the store's code, else {@code internal_error}. */
    private static String failureCode(Throwable failure) {
        return failure instanceof HindsightException h ? h.code() : "internal_error";
    }

    /**
     * The answer to a single append: {@code {"aggregate_id", "first_version", "last_version", "position"}}, from a
     * template when the id needs no escaping in JSON (the usual case), else with a generator; the same bytes either way.
     */
    static byte[] appended(AppendResult r) throws IOException {
        String id = r.aggregateId();
        if (!BulkAppend.plainJson(id)) {
            return JsonOut.write(g -> {
                g.writeStartObject();
                g.writeStringField("aggregate_id", r.aggregateId());
                g.writeNumberField("first_version", r.firstVersion());
                g.writeNumberField("last_version", r.lastVersion());
                g.writeStringField("position", r.position().toString());
                g.writeEndObject();
            });
        }
        // ASCII throughout (positions are digits, ',' and ':'), so ISO-8859-1 is UTF-8 here
        return ("{\"aggregate_id\":\"" + id + "\",\"first_version\":" + r.firstVersion() + ",\"last_version\":"
                        + r.lastVersion() + ",\"position\":\"" + r.position() + "\"}")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code POST /api/appends} as a Javalin route (for the paths {@link AppendHandler} leaves to Javalin). */
    public void appendMany(Context ctx) throws IOException {
        json(ctx, appendMany(Access.writeScope(ctx), () -> body(ctx, maxBulkBytes())));
    }

    /**
     * {@code POST /api/appends}: many appends in one request (see {@link BulkAppend}), whichever layer serves it.
     * Counts each entry's append or failure.
     *
     * @param mayWrite whether the request may write an aggregate (its token's scope; never a system aggregate)
     * @return the JSON of the {@code 200} answer
     */
    public byte[] appendMany(Predicate<String> mayWrite, Body body) throws IOException {
        List<BulkAppend.Outcome> outcomes = BulkAppend.run(store, body.read(), mayWrite);
        for (BulkAppend.Outcome o : outcomes) {
            AppendResult r = o.result();
            if (r != null) {
                metrics.appended(r);
            } else {
                metrics.appendFailed(java.util.Objects.requireNonNull(o.error()).code());
            }
        }
        byte[] plain = BulkAppend.plainAnswer(outcomes);
        return plain != null ? plain : JsonOut.write(64 + 112 * outcomes.size(), g -> BulkAppend.write(g, outcomes));
    }

    /** Reads the body of a bulk append, as {@link #body(long, InputStream, Runnable)} does, to its larger limit. */
    public byte[] bulkBody(long declared, InputStream in, Runnable closeConnection) throws IOException {
        return body(declared, in, maxBulkBytes(), closeConnection);
    }

    /** The body limit of a single append: larger bodies are refused with 413 before parsing. */
    int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The body limit of a bulk request: {@value #BULK_BODY_FACTOR} single appends' worth. */
    int maxBulkBytes() {
        return (int) Math.min(Integer.MAX_VALUE - 16, (long) maxBodyBytes * BULK_BODY_FACTOR);
    }

    static final int BULK_BODY_FACTOR = 16;

    /** {@code GET /api/aggregates/{aggregate_id}/events?from_version=&limit=&direction=&as_of=}. */
    public void readAggregate(Context ctx) throws IOException {
        String id = ctx.pathParam("aggregate_id");
        String dirText = Params.query(ctx, "direction");
        ReadDirection direction = dirText == null ? ReadDirection.FORWARD : ReadDirection.parse(dirText);
        String fromText = Params.query(ctx, "from_version");
        long from = fromText != null
                ? Params.parseLong(fromText, "from_version")
                : direction == ReadDirection.FORWARD ? 1 : Long.MAX_VALUE;
        int limit = Params.limit(ctx);
        String asOfText = Params.query(ctx, "as_of");
        AggregateSlice slice;
        if (asOfText == null) {
            slice = store.read(id, from, limit, direction);
        } else {
            Instant asOf = Params.instant(asOfText, "as_of");
            slice = direction == ReadDirection.FORWARD
                    ? store.readAsOf(id, asOf, from, limit)
                    : backwardAsOf(id, asOf, from, limit);
        }
        if (slice.version() == 0) {
            throw new NotFoundException(
                    asOfText == null
                            ? "aggregate '" + id + "' has no events"
                            : "aggregate '" + id + "' had no events at " + asOfText);
        }
        json(ctx, JsonOut.write(g -> {
            g.writeStartObject();
            g.writeStringField("aggregate_id", slice.aggregateId());
            g.writeNumberField("version", slice.version());
            events(g, slice.events());
            g.writeEndObject();
        }));
    }

    private AggregateSlice backwardAsOf(String id, Instant asOf, long from, int limit) {
        long versionThen = store.readAsOf(id, asOf, 1, 1).version();
        if (versionThen == 0) {
            return new AggregateSlice(id, 0, List.of());
        }
        AggregateSlice page = store.read(id, Math.min(from, versionThen), limit, ReadDirection.BACKWARD);
        return new AggregateSlice(id, versionThen, page.events());
    }

    /** {@code GET /api/events?after=&limit=&event_type=&aggregate_prefix=}. */
    public void readAll(Context ctx) throws IOException, InterruptedException {
        String afterText = Params.query(ctx, "after");
        Position after = afterText == null
                ? store.log().start()
                : Params.position(afterText, "after", store.log().start());
        boolean asStored = "true".equals(Params.query(ctx, "encrypted"));
        int limit = Params.limit(ctx);
        EventFilter filter = Params.filter(ctx);
        GlobalSlice first = readPage(after, limit, filter, asStored);
        // Only an empty page can come from a cursor past the head, so only then is the head asked for (a max over
        // every partition on PostgreSQL: not a price to pay on every page).
        GlobalSlice slice =
                first.events().isEmpty() && afterText != null && Params.awaitCursor(after, afterText, "after", store)
                        ? readPage(after, limit, filter, asStored)
                        : first;
        List<RecordedEvent> visible = Access.hidesSystem(ctx)
                ? slice.events().stream()
                        .filter(e -> !Audit.isSystem(e.aggregateId()))
                        .toList()
                : slice.events();
        json(ctx, JsonOut.write(g -> {
            g.writeStartObject();
            events(g, visible);
            g.writeStringField("next", slice.next().toString());
            g.writeEndObject();
        }));
    }

    private GlobalSlice readPage(Position after, int limit, EventFilter filter, boolean asStored) {
        return asStored ? store.readAllAsStored(after, limit, filter) : store.readAll(after, limit, filter);
    }

    /**
     * {@code GET /health}: 200 {@code {"status":"ok","head":…}}, or 503 {@code {"status":"unavailable",
     * "error":"store_unavailable","message":…,"head":…}} once the engine has stopped serving appends for good
     * ({@link dev.hindsight.core.spi.EventLog#stoppedReason()}), so that a supervisor restarts the process.
     */
    public void health(Context ctx) throws IOException {
        Position head = store.head();
        Optional<String> stopped = store.log().stoppedReason();
        if (stopped.isPresent()) {
            ctx.status(503);
        }
        json(ctx, JsonOut.write(g -> {
            g.writeStartObject();
            if (stopped.isPresent()) {
                g.writeStringField("status", "unavailable");
                g.writeStringField("error", "store_unavailable");
                g.writeStringField("message", stopped.get());
            } else {
                g.writeStringField("status", "ok");
            }
            g.writeStringField("head", head.toString());
            g.writeEndObject();
        }));
    }

    /**
     * {@code GET /api/storage}: the events the store holds and the bytes on disk by part: the log (as the engine
     * measures it), and each plugin's parts (snapshots, read model). A part that cannot be measured is {@code null},
     * and so is the total then.
     */
    public void storage(Context ctx, List<? extends ServerPlugin> plugins) throws IOException {
        StorageUse log = store.log().storage();
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put("log", log.bytes());
        for (ServerPlugin p : plugins) {
            parts.putAll(p.storageBytes());
        }
        boolean complete = parts.values().stream().allMatch(b -> b >= 0);
        long total = parts.values().stream().mapToLong(b -> Math.max(0, b)).sum();
        json(ctx, JsonOut.write(g -> {
            g.writeStartObject();
            g.writeStringField("engine", engine());
            nullable(g, "events", log.events());
            g.writeObjectFieldStart("bytes_on_disk");
            for (Map.Entry<String, Long> e : parts.entrySet()) {
                nullable(g, e.getKey(), e.getValue());
            }
            nullable(g, "total", complete ? total : -1);
            g.writeEndObject();
            if (log.tiers() != null) {
                tiers(g, log.tiers());
            }
            g.writeEndObject();
        }));
    }

    private static void tiers(JsonGenerator g, StorageUse.Tiers t) throws IOException {
        g.writeObjectFieldStart("tiers");
        g.writeObjectFieldStart("hot");
        g.writeNumberField("events", t.hotEvents());
        g.writeNumberField("bytes", t.hotBytes());
        g.writeEndObject();
        g.writeObjectFieldStart("archived");
        g.writeNumberField("events", t.archivedEvents());
        g.writeNumberField("bytes", t.archivedBytes());
        g.writeEndObject();
        g.writeEndObject();
        g.writeObjectFieldStart("compression");
        g.writeNumberField("plain_bytes", t.compressedPlainBytes());
        g.writeNumberField("compressed_bytes", t.compressedBytes());
        g.writeNumberField("ratio", Math.round(t.compressionRatio() * 100) / 100.0);
        g.writeEndObject();
        g.writeNumberField("block_cache_hit_rate", Math.round(t.cacheHitRate() * 1000) / 1000.0);
        StorageUse.ArchiveRun r = t.lastArchive();
        if (r == null) {
            g.writeNullField("last_archive_run");
        } else {
            g.writeObjectFieldStart("last_archive_run");
            g.writeStringField("at", r.at().toString());
            g.writeNumberField("segments", r.segments());
            g.writeNumberField("events", r.events());
            g.writeNumberField("bytes", r.bytes());
            g.writeNumberField("millis", r.millis());
            if (r.error() == null) {
                g.writeNullField("error");
            } else {
                g.writeStringField("error", r.error());
            }
            g.writeEndObject();
        }
    }

    private String engine() {
        String name = store.log().getClass().getSimpleName();
        return switch (name) {
            case "FileEventLog" -> "file";
            case "PostgresEventLog" -> "postgres";
            case "InMemoryEventLog" -> "memory";
            default -> name;
        };
    }

    private static void nullable(JsonGenerator g, String field, long value) throws IOException {
        if (value < 0) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }

    private static void events(JsonGenerator g, List<RecordedEvent> events) throws IOException {
        g.writeArrayFieldStart("events");
        for (RecordedEvent e : events) {
            JsonOut.event(g, e);
        }
        g.writeEndArray();
    }

    private byte[] body(Context ctx) throws IOException {
        return body(ctx, maxBodyBytes);
    }

    private byte[] body(Context ctx, int maxBodyBytes) throws IOException {
        return body(
                ctx.req().getContentLengthLong(),
                ctx.req().getInputStream(),
                maxBodyBytes,
                () -> ctx.header("Connection", "close"));
    }

    /**
     * Reads the body of a single append, as {@link #body(long, InputStream, int, Runnable)} does.
     *
     * @param declared the {@code Content-Length}, -1 when unknown (chunked)
     * @param closeConnection makes the answer close the connection ({@code Connection: close})
     */
    public byte[] body(long declared, InputStream in, Runnable closeConnection) throws IOException {
        return body(declared, in, maxBodyBytes, closeConnection);
    }

    /**
     * Reads the request body, refusing (413) bodies over the limit before parsing any of it. The rest of a refused body
     * is read and dropped (up to {@link #DRAIN_BYTES}) before the answer goes out: a server that answers and closes
     * while the client is still sending makes the client's TCP stack see a reset instead of the 413. Beyond that, or
     * when the client breaks off, {@code closeConnection} is called.
     */
    private static byte[] body(long declared, InputStream in, int maxBodyBytes, Runnable closeConnection)
            throws IOException {
        if (declared > maxBodyBytes) {
            drain(in, declared, closeConnection);
            throw tooLarge(declared, maxBodyBytes);
        }
        byte[] body;
        if (declared >= 0) {
            // The usual case: the length is known, so read exactly that into one array (no chunk list to copy).
            body = new byte[(int) declared];
            int n = readNBytes(in, body);
            if (n < body.length) {
                throw new dev.hindsight.core.InvalidRequestException(
                        "request body ended after " + n + " of " + declared + " bytes");
            }
            return body;
        }
        try {
            body = in.readNBytes(maxBodyBytes + 1);
        } catch (EofException e) {
            throw clientGone(e);
        }
        if (body.length > maxBodyBytes) {
            drain(in, -1, closeConnection);
            throw tooLarge(-1, maxBodyBytes);
        }
        in.close();
        return body;
    }

    /** {@link InputStream#readNBytes(byte[], int, int)} into all of {@code body}; a client gone meanwhile is a 400. */
    private static int readNBytes(InputStream in, byte[] body) throws IOException {
        try {
            return in.readNBytes(body, 0, body.length);
        } catch (EofException e) {
            throw clientGone(e);
        }
    }

    /**
     * The client closed the connection inside the body (Jetty's early EOF): the body ended early, as a short read
     * says, so a 400 counted as {@code invalid_request}, not a 500 logged as an unexpected server error.
     */
    private static dev.hindsight.core.InvalidRequestException clientGone(EofException e) {
        return new dev.hindsight.core.InvalidRequestException(
                "request body ended early: the client closed the connection", e);
    }

    /** Most bytes of a refused body read and dropped; beyond that the connection is closed after the answer. */
    static final long DRAIN_BYTES = 16L << 20;

    private static void drain(InputStream in, long declared, Runnable closeConnection) {
        if (declared > DRAIN_BYTES) {
            closeConnection.run();
            return;
        }
        byte[] buf = new byte[64 * 1024];
        long seen = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                seen += n;
                if (seen > DRAIN_BYTES) {
                    closeConnection.run();
                    return;
                }
            }
        } catch (IOException e) {
            closeConnection.run(); // the client went away or broke off: nothing more to read
        }
    }

    private static SizeLimitExceededException tooLarge(long declared, int maxBodyBytes) {
        return new SizeLimitExceededException(
                "request body " + (declared >= 0 ? "is " + declared + " bytes" : "is too" + " large")
                        + "; the limit is " + maxBodyBytes + " bytes");
    }

    /**
     * Sends {@code body} as the JSON answer, written straight to the response (Javalin's {@code result} would copy it
     * through a stream and a buffer of its own).
     */
    static void json(Context ctx, byte[] body) throws IOException {
        ctx.contentType("application/json");
        ctx.res().setContentLength(body.length);
        ctx.res().getOutputStream().write(body);
    }

    /** No such aggregate (or none at the requested instant): 404 {@code not_found}. */
    public static final class NotFoundException extends RuntimeException {
        public NotFoundException(String message) {
            super(message, null, false, false);
        }
    }
}
