package dev.hindsight.server.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.Subscription;
import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.server.ApiException;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * {@code GET /api/events/live}: the global log as Server-Sent Events, one {@link EventStore#subscribe subscription}
 * per client. Each event is a frame {@code id: <position>}, {@code event: event}, {@code data: <event JSON>}; a client
 * resumes after the position in its {@code Last-Event-ID} header (which wins over {@code ?after=}); without either it
 * starts at the current head. A comment line is sent every keep-alive interval; a failed write means the client has
 * gone, and its subscription is closed. Thread-safe.
 */
public final class LiveFeed {
    /** The SSE event name of every event frame; the event type is in the JSON. */
    public static final String EVENT_NAME = "event";

    private static final Duration POLL = Duration.ofMillis(250);

    private final EventStore store;
    private final ServerMetrics metrics;
    private final Duration keepAlive;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private final int maxStreams;
    private final AtomicInteger streams = new AtomicInteger();
    private volatile boolean closed;

    private final long bufferBytes;
    private final Predicate<ApiToken> current;

    /**
     * @param maxStreams most streams open at once; more answer {@code 503 too_many_subscribers}
     * @param bufferBytes most bytes of frames queued for one client; a client that falls further behind gets an
     *     {@code error} frame {@code slow_consumer} and is disconnected (it resumes with {@code Last-Event-ID})
     * @param current whether a stream's token is still defined; a stream whose token was revoked gets an {@code error}
     *     frame {@code unauthorized} and is disconnected, as its next request would be refused
     */
    public LiveFeed(
            EventStore store,
            ServerMetrics metrics,
            Duration keepAlive,
            int maxStreams,
            long bufferBytes,
            Predicate<ApiToken> current) {
        this.current = current;
        this.maxStreams = maxStreams;
        this.bufferBytes = bufferBytes;
        this.store = store;
        this.metrics = metrics;
        this.keepAlive = keepAlive;
    }

    public void handle(Context ctx) throws IOException, InterruptedException {
        if (closed) {
            throw new StoreClosedException("the server is shutting down");
        }
        String lastId = ctx.header("Last-Event-ID");
        String afterText = Params.query(ctx, "after");
        Position after = lastId != null && !lastId.isBlank()
                ? Params.cursor(lastId.trim(), "Last-Event-ID", store)
                : afterText != null ? Params.cursor(afterText, "after", store) : store.head();
        EventFilter filter = Params.filter(ctx);
        if (streams.incrementAndGet() > maxStreams) {
            streams.decrementAndGet();
            ctx.header("Retry-After", "5");
            throw new ApiException(
                    503,
                    "too_many_subscribers",
                    "the server already serves " + maxStreams + " live feeds; retry later");
        }
        try {
            stream(ctx, after, filter);
        } finally {
            streams.decrementAndGet();
        }
    }

    private void stream(Context ctx, Position after, EventFilter filter) throws IOException, InterruptedException {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setCharacterEncoding("UTF-8");
        res.setContentType("text/event-stream");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        ApiToken token = ctx.attribute(Access.TOKEN);
        Stream stream = new Stream(
                res.getOutputStream(),
                bufferBytes,
                Access.hidesSystem(ctx),
                token == null ? () -> true : () -> current.test(token));
        open.add(stream);
        metrics.liveOpened();
        if (closed) {
            stream.end(); // close() ran between the check above and add(): it may not have seen this stream
        }
        try {
            if (!stream.comment("hindsight live feed after " + after)) {
                return;
            }
            try (Subscription sub = store.subscribe(after, filter, stream::send)) {
                stream.pump(sub, keepAlive);
            }
        } finally {
            open.remove(stream);
            metrics.liveClosed();
        }
    }

    /** Refuses new streams and ends every open one (on shutdown); their handlers then return. */
    public void close() {
        closed = true;
        for (Stream s : open) {
            s.end();
        }
    }

    /**
     * One client's stream. The subscription queues frames ({@link #send}); the request's thread alone writes them
     * ({@link #pump}), so that a client that reads slowly holds at most {@code bufferBytes} of queued frames and never
     * blocks the subscription. {@code lock} guards the queue and the flags.
     */
    private static final class Stream {
        private final ServletOutputStream out;
        private final long bufferBytes;
        private final Object lock = new Object();
        private final ArrayDeque<String> queued = new ArrayDeque<>();
        private long queuedBytes;
        private boolean ended;
        private boolean overflow;
        private final boolean hideSystem;
        private final BooleanSupplier authorized;

        Stream(ServletOutputStream out, long bufferBytes, boolean hideSystem, BooleanSupplier authorized) {
            this.authorized = authorized;
            this.hideSystem = hideSystem;
            this.out = out;
            this.bufferBytes = bufferBytes;
        }

        /**
         * Subscription handler: queues one frame. Past the buffer the stream is marked overflowed and later events are
         * dropped; {@link #pump} then tells the client and ends the stream.
         */
        void send(RecordedEvent e) throws IOException {
            if (hideSystem && Audit.isSystem(e.aggregateId())) {
                return;
            }
            String json = new String(JsonOut.event(e), StandardCharsets.UTF_8);
            StringBuilder frame = new StringBuilder(json.length() + 64)
                    .append("id: ")
                    .append(e.position())
                    .append('\n')
                    .append("event: ")
                    .append(EVENT_NAME)
                    .append('\n');
            // Compact JSON has no raw newlines, but a stored payload is not ours to trust blindly.
            for (String line : json.split("\n", -1)) {
                frame.append("data: ").append(line).append('\n');
            }
            String text = frame.append('\n').toString();
            synchronized (lock) {
                if (ended || overflow) {
                    return;
                }
                if (queuedBytes + text.length() > bufferBytes && !queued.isEmpty()) {
                    overflow = true;
                } else {
                    queued.add(text);
                    queuedBytes += text.length();
                }
                lock.notifyAll();
            }
        }

        boolean comment(String text) {
            return write(": " + text + "\n\n");
        }

        /** Writes and flushes (on the request's thread only); returns false (and ends the stream) if the client has gone. */
        private boolean write(String text) {
            synchronized (lock) {
                if (ended) {
                    return false;
                }
            }
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
                return true;
            } catch (IOException e) {
                end();
                return false;
            }
        }

        void end() {
            synchronized (lock) {
                ended = true;
                lock.notifyAll();
            }
        }

        /** Writes the queued frames; false if the client has gone. */
        private boolean drain() {
            while (true) {
                String next;
                synchronized (lock) {
                    next = queued.poll();
                    if (next == null) {
                        return !ended;
                    }
                    queuedBytes -= next.length();
                }
                if (!write(next)) {
                    return false;
                }
            }
        }

        /**
         * Writes queued frames until the stream ends, the subscription stops or the client falls too far behind,
         * sending keep-alive comments meanwhile.
         */
        void pump(Subscription sub, Duration keepAlive) throws InterruptedException {
            long nextPing = System.nanoTime() + keepAlive.toNanos();
            while (true) {
                synchronized (lock) {
                    if (ended) {
                        return;
                    }
                    if (queued.isEmpty() && !overflow) {
                        lock.wait(Math.max(1, Math.min(POLL.toMillis(), keepAlive.toMillis())));
                    }
                    if (ended) {
                        return;
                    }
                }
                if (!authorized.getAsBoolean()) {
                    // revoked meanwhile: the token's next request would be refused, so is the rest of this stream
                    ApiError error = ApiError.of(0, "unauthorized", "the token of this live feed was revoked");
                    write("event: error\ndata: " + new String(error.toJson(), StandardCharsets.UTF_8) + "\n\n");
                    return;
                }
                if (!drain()) {
                    return;
                }
                boolean behind;
                synchronized (lock) {
                    behind = overflow && queued.isEmpty();
                }
                if (behind) {
                    ApiError error = ApiError.of(
                            0,
                            "slow_consumer",
                            "this client fell more than " + bufferBytes + " bytes behind the feed; reconnect with"
                                    + " Last-Event-ID to resume after the last event received");
                    write("event: error\ndata: " + new String(error.toJson(), StandardCharsets.UTF_8) + "\n\n");
                    return;
                }
                if (!sub.isRunning()) {
                    drain();
                    reportFailure(sub.failure());
                    return;
                }
                if (System.nanoTime() - nextPing >= 0) {
                    if (!comment("keep-alive")) {
                        return;
                    }
                    nextPing = System.nanoTime() + keepAlive.toNanos();
                }
            }
        }

        private void reportFailure(Optional<Throwable> failure) {
            if (failure.isEmpty() || failure.get() instanceof IOException) {
                return;
            }
            Throwable t = failure.get();
            String code = t instanceof HindsightException h ? h.code() : "internal_error";
            ApiError error = ApiError.of(0, code, String.valueOf(t.getMessage()));
            write("event: error\ndata: " + new String(error.toJson(), StandardCharsets.UTF_8) + "\n\n");
        }
    }
}
