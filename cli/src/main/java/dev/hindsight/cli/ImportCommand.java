package dev.hindsight.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight import}: appends the events of a JSON Lines file (as {@code export} writes it) to a running
 * server, keeping each event's {@code event_id}, type, schema version, data and metadata (so its business timestamp).
 * Consecutive lines of one aggregate with consecutive versions go in one atomic append (at most {@value #MAX_BATCH}
 * events or {@value #MAX_BATCH_CHARS} characters of JSON) whose expected version is the first line's version - 1:
 * importing the same file again stores nothing (the appends are idempotent retries), and a store whose aggregates
 * already hold other events is reported as a conflict, naming the line. By default appends are sent in file order,
 * one at a time, so the imported store keeps the file's global order; with {@code --parallel N} they go through N
 * lanes chosen by aggregate id, each sequential: every aggregate keeps its order, the global order across aggregates
 * only roughly (many times faster on a durable store, since concurrent appends share fsyncs). A malformed line stops the import with exit code 1 and its line
 * number; the batch it interrupted is not sent (earlier batches stay imported; re-running after fixing the file
 * skips them). Reads the file as a stream (constant memory). Not thread-safe.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = "Append the events of a JSON Lines file (from `hindsight export`) to a running server,"
                + " idempotently.")
final class ImportCommand implements Callable<Integer> {
    static final int MAX_BATCH = 500;
    static final int MAX_BATCH_CHARS = 1 << 20;
    /** Most appends in one bulk request ({@code POST /api/appends}). */
    static final int BULK_APPENDS = 1000;
    /** Characters of event JSON after which a bulk request is sent (well below the server's bulk body limit). */
    static final int BULK_CHARS = 4 << 20;

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final ObjectReader READER = Json.mapper()
            .reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Parameters(index = "0", paramLabel = "FILE", description = "JSON Lines file of events; - for stdin.")
    String file;

    @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
    boolean progress;

    @Option(
            names = "--parallel",
            defaultValue = "1",
            paramLabel = "N",
            description = "Appends in flight (default: 1, which keeps the file's global order exactly). With N > 1 each"
                    + " aggregate keeps its order, but events of different aggregates may be stored in another order"
                    + " than the file's; much faster.")
    int parallel;

    /** One event line, parsed. */
    private record Line(long number, String aggregateId, long version, ObjectNode event, int chars) {}

    /** A line that cannot be imported: the message names it. */
    private static final class LineException extends Exception {
        LineException(String message) {
            super(message, null, false, false);
        }
    }

    private HttpApi api;
    private Position headAtStart = Position.START;
    private final AtomicLong imported = new AtomicLong();
    private final AtomicLong alreadyPresent = new AtomicLong();
    private final AtomicLong appends = new AtomicLong();
    /** Events of system aggregates ({@code $audit}): each server keeps its own trail, and HTTP never writes them. */
    private long skippedSystem;
    /** Whether the server has {@code POST /api/appends}; cleared at the first 404. */
    private volatile boolean bulk = true;

    @Override
    public Integer call() throws IOException {
        if (parallel < 1 || parallel > 256) {
            throw new CliException("--parallel must be between 1 and 256, was " + parallel);
        }
        api = server.api();
        HttpApi.Response health = api.get("/health");
        if (!health.ok()) {
            return Output.error(spec, health);
        }
        headAtStart = Position.parse(
                JsonLines.parseResponse(health.body()).path("head").asText());
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "import", "events", progress);
        long size = "-".equals(file) ? -1 : size(Path.of(file));
        long lines = 0;
        List<Line> batch = new ArrayList<>();
        int batchChars = 0;
        Lanes lanes = new Lanes(parallel);
        try (lanes;
                CountingStream in = new CountingStream(open());
                BufferedReader reader = new BufferedReader(new InputStreamReader(
                        in, StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)))) {
            String text;
            while ((text = readLine(reader, lines + 1)) != null) {
                lines++;
                if (text.isBlank()) {
                    continue;
                }
                Line line;
                try {
                    line = parse(text, lines);
                } catch (LineException e) {
                    // what was read before the bad line is imported, as the usage says: with --parallel, the lanes
                    // send what they hold queued (stopping them would drop it) before the import stops
                    lanes.finish();
                    throw new LineException(e.getMessage()
                            + (batch.isEmpty()
                                    ? ""
                                    : "; the " + batch.size()
                                            + " event(s) of '"
                                            + batch.getFirst().aggregateId() + "' before it (from line "
                                            + batch.getFirst().number() + ") were not imported"));
                }
                if (line.aggregateId().startsWith("$")) {
                    skippedSystem++;
                    continue;
                }
                if (!batch.isEmpty() && !continues(batch, batchChars, line)) {
                    lanes.submit(batch);
                    batch = new ArrayList<>();
                    batchChars = 0;
                }
                batch.add(line);
                batchChars += line.chars();
                bar.update(size > 0 ? (double) in.count / size : -1, imported.get() + alreadyPresent.get());
            }
            if (!batch.isEmpty()) {
                lanes.submit(batch);
            }
            lanes.finish();
        } catch (LineException e) {
            lanes.finishQuietly();
            bar.finish(-1, imported.get() + alreadyPresent.get());
            summary(false);
            throw new CliException(e.getMessage());
        }
        bar.finish(1, imported.get() + alreadyPresent.get());
        summary(true);
        return 0;
    }

    private InputStream open() throws IOException {
        if ("-".equals(file)) {
            return System.in;
        }
        try {
            return Files.newInputStream(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliException("no such file: " + file);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String readLine(BufferedReader reader, long number) throws LineException, IOException {
        try {
            return reader.readLine();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new LineException("line " + number + ": not valid UTF-8");
        }
    }

    private void summary(boolean done) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
                "hindsight: import %s: %,d events imported, %,d already present, in %,d appends%n",
                done ? "done" : "stopped", imported.get(), alreadyPresent.get(), appends.get());
        if (skippedSystem > 0) {
            err.printf(
                    "hindsight: skipped %,d events of system aggregates ($audit): the target server keeps its own%n",
                    skippedSystem);
        }
        err.flush();
    }

    /** Whether {@code line} may join {@code batch} (holding {@code chars} characters of JSON). */
    private static boolean continues(List<Line> batch, int chars, Line line) {
        Line last = batch.getLast();
        return line.aggregateId().equals(last.aggregateId())
                && line.version() == last.version() + 1
                && batch.size() < MAX_BATCH
                && chars + line.chars() <= MAX_BATCH_CHARS;
    }

    /** Parses and checks one line; what the server needs goes into {@code event}, the rest is dropped. */
    static Line parse(String text, long number) throws LineException {
        JsonNode n;
        try {
            n = READER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new LineException("line " + number + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new LineException("line " + number + ": expected a JSON object (one event per line)");
        }
        String id = text(n, "event_id", number);
        if (!UUID_TEXT.matcher(id).matches()) {
            throw new LineException("line " + number + ": event_id must be a UUID, was '" + id + "'");
        }
        String aggregate = text(n, "aggregate_id", number);
        String type = text(n, "event_type", number);
        JsonNode version = n.get("version");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToLong() || version.asLong() < 1) {
            throw new LineException("line " + number + ": version must be an integer >= 1");
        }
        JsonNode schema = n.get("schema_version");
        if (schema != null
                && !schema.isNull()
                && (!schema.isIntegralNumber() || !schema.canConvertToInt() || schema.asInt() < 1)) {
            throw new LineException("line " + number + ": schema_version must be an integer >= 1");
        }
        JsonNode data = n.get("event_data");
        if (data == null || !data.isObject()) {
            throw new LineException("line " + number + ": event_data must be a JSON object");
        }
        JsonNode metadata = n.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw new LineException("line " + number + ": metadata must be a JSON object");
        }
        ObjectNode event = Json.mapper().createObjectNode();
        event.put("event_id", UUID.fromString(id).toString());
        event.put("event_type", type);
        event.put("schema_version", schema == null || schema.isNull() ? 1 : schema.asInt());
        event.set("event_data", data);
        if (metadata != null && !metadata.isNull()) {
            event.set("metadata", metadata);
        }
        return new Line(number, aggregate, version.asLong(), event, text.length());
    }

    private static String text(JsonNode n, String field, long number) throws LineException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw new LineException("line " + number + ": " + field + " is required and must be a non-empty string");
        }
        return v.textValue();
    }

    /**
     * Appends batches (each one aggregate's consecutive lines, atomically) in one {@code POST /api/appends}: with
     * {@code ordered}, one after another in file order, stopping at the first that fails. A batch the server finds
     * partly stored (the file was imported before in other batches) is sent again line by line, which resolves every
     * line to stored or new. A server without the bulk endpoint gets one request per batch.
     */
    private void send(List<List<Line>> batches, boolean ordered) throws LineException {
        if (!bulk) {
            for (List<Line> b : batches) {
                sendOne(b);
            }
            return;
        }
        ObjectNode body = Json.mapper().createObjectNode();
        if (ordered) {
            body.put("ordered", true);
        }
        ArrayNode entries = body.putArray("appends");
        for (List<Line> b : batches) {
            ObjectNode e = entries.addObject();
            e.put("aggregate_id", b.getFirst().aggregateId());
            e.put("expected_version", b.getFirst().version() - 1);
            ArrayNode events = e.putArray("events");
            b.forEach(l -> events.add(l.event()));
        }
        appends.addAndGet(batches.size());
        HttpApi.Response r = api.post("/api/appends", Json.write(body), Map.of());
        if (r.status() == 404 || r.status() == 405) {
            bulk = false; // an older server: one request per append
            appends.addAndGet(-batches.size());
            send(batches, ordered);
            return;
        }
        if (!r.ok()) {
            throw failure(batches.getFirst(), r.status(), JsonLines.parseOrNull(r.body()), r.body());
        }
        JsonNode results = JsonLines.parseResponse(r.body()).path("results");
        for (int i = 0; i < batches.size(); i++) {
            List<Line> b = batches.get(i);
            JsonNode result = results.path(i);
            String code = result.path("error").asText("");
            if (code.isEmpty()) {
                count(result, b.size());
            } else if (code.equals("duplicate_event_id") && b.size() > 1) {
                for (Line line : b) {
                    sendOne(List.of(line));
                }
                if (ordered && i + 1 < batches.size()) {
                    // ordered: the server stopped at this entry and did not attempt the rest; send them now
                    send(batches.subList(i + 1, batches.size()), true);
                    return;
                }
            } else if (!code.equals("not_attempted")) {
                throw failure(b, 409, result, result.toString());
            }
        }
    }

    /** Appends one batch atomically with its own request. */
    private void sendOne(List<Line> batch) throws LineException {
        HttpApi.Response r = append(batch);
        if (r.status() == 409 && batch.size() > 1 && "duplicate_event_id".equals(code(r))) {
            for (Line line : batch) {
                HttpApi.Response one = append(List.of(line));
                if (!one.ok()) {
                    throw failure(List.of(line), one);
                }
                count(JsonLines.parseResponse(one.body()), 1);
            }
            return;
        }
        if (!r.ok()) {
            throw failure(batch, r);
        }
        count(JsonLines.parseResponse(r.body()), batch.size());
    }

    private HttpApi.Response append(List<Line> batch) {
        ArrayNode body = Json.mapper().createArrayNode();
        batch.forEach(l -> body.add(l.event()));
        appends.incrementAndGet();
        return api.post(
                HttpApi.aggregatePath(batch.getFirst().aggregateId()),
                Json.write(body),
                Map.of("Expected-Version", Long.toString(batch.getFirst().version() - 1)));
    }

    /** Counts an accepted append as new events or, if it answered with positions from before the import, as present. */
    private void count(JsonNode result, int events) {
        Position at = Position.parse(result.path("position").asText());
        if (headAtStart.covers(at)) {
            alreadyPresent.addAndGet(events);
        } else {
            imported.addAndGet(events);
        }
    }

    private static String code(HttpApi.Response r) {
        JsonNode n = JsonLines.parseOrNull(r.body());
        return n == null ? "" : n.path("error").asText();
    }

    private static LineException failure(List<Line> batch, HttpApi.Response r) {
        return failure(batch, r.status(), JsonLines.parseOrNull(r.body()), r.body());
    }

    private static LineException failure(List<Line> batch, int status, @Nullable JsonNode n, String raw) {
        Line first = batch.getFirst();
        String where = batch.size() == 1
                ? "line " + first.number()
                : "lines " + first.number() + "-" + batch.getLast().number();
        String code = n == null ? "http_" + status : n.path("error").asText();
        String message =
                n == null ? JsonLines.abbreviate(raw) : n.path("message").asText();
        if ("wrong_expected_version".equals(code)) {
            return new LineException(where + ": conflict: the store has aggregate '" + first.aggregateId()
                    + "' at version " + n.path("actual").asText() + ", but the file continues it from version "
                    + (first.version() - 1) + " (the store holds other events than the file)");
        }
        if ("duplicate_event_id".equals(code)) {
            return new LineException(where + ": conflict: " + message);
        }
        return new LineException(
                where + ": the server refused the append (HTTP " + status + " " + code + "): " + message);
    }

    /**
     * Sends batches in bulk requests of up to {@value #BULK_APPENDS} appends ({@value #BULK_CHARS} characters): with one
     * lane, from the reading thread, ordered (the file's order, stopping at the first failure); with more, each lane
     * is a virtual thread taking the batches of its aggregates in order from a bounded queue (so reading never runs far
     * ahead) and sending what has queued up as one request whose aggregates the server appends at once. The first
     * failure stops every lane and is rethrown to the reader; a line of the file whose batch was not yet sent is then
     * not imported.
     */
    private final class Lanes implements AutoCloseable {
        private static final List<Line> END = List.of();
        private final List<BlockingQueue<List<Line>>> queues = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicReference<LineException> failure = new AtomicReference<>();
        /** One lane: batches read but not sent yet. */
        private final List<List<Line>> pending = new ArrayList<>();

        private int pendingChars;

        Lanes(int count) {
            if (count == 1) {
                return;
            }
            for (int i = 0; i < count; i++) {
                BlockingQueue<List<Line>> q = new ArrayBlockingQueue<>(BULK_APPENDS);
                queues.add(q);
                threads.add(Thread.ofVirtual().name("import-lane-" + i).start(() -> drain(q)));
            }
        }

        void submit(List<Line> batch) throws LineException {
            rethrow();
            if (queues.isEmpty()) {
                pending.add(batch);
                pendingChars += chars(batch);
                if (pending.size() >= BULK_APPENDS || pendingChars >= BULK_CHARS) {
                    flush();
                }
                return;
            }
            int lane = Math.floorMod(batch.getFirst().aggregateId().hashCode(), queues.size());
            try {
                queues.get(lane).put(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LineException("interrupted");
            }
        }

        /** One lane: sends what was read so far (every batch before a malformed line is imported). */
        void flush() throws LineException {
            if (pending.isEmpty()) {
                return;
            }
            List<List<Line>> batches = List.copyOf(pending);
            pending.clear();
            pendingChars = 0;
            send(batches, true);
        }

        private void drain(BlockingQueue<List<Line>> q) {
            try {
                boolean end = false;
                while (!end) {
                    List<List<Line>> batches = new ArrayList<>();
                    batches.add(q.take());
                    int chars = chars(batches.getFirst());
                    for (List<Line> next; chars < BULK_CHARS && (next = q.poll()) != null; ) {
                        batches.add(next);
                        chars += chars(next);
                    }
                    end = batches.getLast() == END;
                    if (end) {
                        batches.removeLast();
                    }
                    if (failure.get() == null && !batches.isEmpty()) {
                        sendQuietly(batches);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void sendQuietly(List<List<Line>> batches) {
            try {
                send(batches, false);
            } catch (LineException | RuntimeException e) {
                failure.compareAndSet(
                        null,
                        e instanceof LineException le
                                ? le
                                : new LineException(
                                        "line " + batches.getFirst().getFirst().number() + ": " + e.getMessage()));
            }
        }

        private static int chars(List<Line> batch) {
            int n = 0;
            for (Line l : batch) {
                n += l.chars();
            }
            return n;
        }

        /** Waits for every lane to send what it was given; rethrows the first failure. */
        void finish() throws LineException {
            flush();
            stop(false);
            rethrow();
        }

        /** Stops the lanes after the batches they are sending; those still queued are dropped. */
        void finishQuietly() {
            stop(true);
        }

        private void stop(boolean drop) {
            for (BlockingQueue<List<Line>> q : queues) {
                if (drop) {
                    q.clear();
                }
                try {
                    q.put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            queues.clear();
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void rethrow() throws LineException {
            LineException e = failure.get();
            if (e != null) {
                throw e;
            }
        }

        @Override
        public void close() {
            stop(true);
        }
    }

    /** Counts the bytes read, for the progress bar. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
