package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.server.internal.Access.Rule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IO;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/aggregates/{aggregate_id}/events} and {@code POST /api/appends} served by a plain Jetty handler in
 * front of Javalin's servlet: the same answers as the Javalin routes it shadows (both run {@link RouteGuard} around
 * {@link EventsApi#appendAsync} or {@link EventsApi#appendMany}), without the servlet, session and Javalin layers,
 * which cost about a quarter of a single-event append's CPU (JFR, docs/benchmarks.md, session 12). The body is read
 * from the Jetty request and the answer written once with its length. A single append is served asynchronously
 * ({@link RouteGuard#serveAsync}): the request's thread reads and parses the body, hands the append to the store and
 * returns, and the store's acknowledgement of the durable write sends the answer, so no thread is parked per append
 * in flight. Everything else goes on to Javalin unchanged: other methods and paths (also {@code /api/appends/} and
 * other spellings of the bulk path), and aggregate ids that are not plain (percent-escapes, {@code +}, {@code ;},
 * dot segments), whose decoding stays Javalin's. Insert it inside the graceful stop and slow-client handlers so that
 * they cover it too. Thread-safe.
 */
public final class AppendHandler extends Handler.Wrapper {
    /** The route, as the metrics, spans and access rules name it. */
    public static final String ROUTE = "/api/aggregates/{aggregate_id}/events";

    /** The bulk append route, which this handler serves too. */
    public static final String BULK_ROUTE = "/api/appends";

    /**
     * Largest body of a single append served without blocking: a larger one is read and parsed on a thread of its own,
     * so that parsing it does not hold up the other connections of the selector that read it.
     */
    static final int INLINE_BODY_BYTES = 64 * 1024;

    private static final String PREFIX = "/api/aggregates/";
    private static final String SUFFIX = "/events";
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");

    private final RouteGuard guard;
    private final EventsApi api;
    private final boolean storeNeverBlocks;
    private final Executor blocking;

    /**
     * @param blocking where a single append whose body has not all arrived goes on, when this handler was called on a
     *     thread that must not block ({@link #servesWithoutBlocking})
     * @param storeNeverBlocks whether the store's asynchronous append never blocks
     *     ({@link dev.hindsight.core.EventStore#appendAsyncNeverBlocks}): only then are single appends served without
     *     blocking
     */
    public AppendHandler(RouteGuard guard, EventsApi api, Executor blocking, boolean storeNeverBlocks) {
        this.guard = guard;
        this.api = api;
        this.blocking = blocking;
        this.storeNeverBlocks = storeNeverBlocks;
    }

    /**
     * Whether this handler serves {@code request} without blocking the calling thread, so that {@link SelectorDispatch}
     * may pass it on from Jetty's selector: a single append, on a store whose asynchronous append never blocks (which
     * also means tracing is off: the route guard waits inside the span otherwise), with a declared body within the
     * limit and at most {@link #INLINE_BODY_BYTES}, and no {@code Expect: 100-continue}. Such a request is served on the
     * calling thread when its body has all arrived with it (the usual case), else it goes on on a thread of
     * {@code blocking}.
     */
    public boolean servesWithoutBlocking(Request request) {
        if (!storeNeverBlocks || !"POST".equals(request.getMethod())) {
            return false;
        }
        long length = request.getLength();
        return length >= 0
                && length <= Math.min(INLINE_BODY_BYTES, api.maxBodyBytes())
                && !request.getHeaders().contains(HttpHeader.EXPECT)
                && aggregateId(request.getHttpURI().getPath()) != null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"POST".equals(request.getMethod())) {
            return super.handle(request, response, callback);
        }
        String path = request.getHttpURI().getPath();
        if (BULK_ROUTE.equals(path)) {
            bulk(request, response, callback);
            return true;
        }
        String id = aggregateId(path);
        if (id == null) {
            return super.handle(request, response, callback);
        }
        if (!servesWithoutBlocking(request)) {
            single(request, response, callback, id, Content.Source.asInputStream(request));
            return true;
        }
        // Maybe on the selector: the body as far as it has arrived, without waiting. A small body almost always comes
        // with its header; when it has not all arrived, the append goes on where waiting for the rest is fine.
        byte[] body = new byte[(int) request.getLength()];
        int at = 0;
        Throwable failure = null;
        boolean ended = false;
        while (at < body.length && !ended) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                break;
            }
            if (Content.Chunk.isFailure(chunk)) {
                failure = chunk.getFailure();
                break;
            }
            try {
                ByteBuffer b = chunk.getByteBuffer();
                int n = Math.min(b.remaining(), body.length - at);
                b.get(body, at, n);
                at += n;
            } finally {
                chunk.release();
            }
            ended = chunk.isLast();
        }
        if (at == body.length) {
            single(request, response, callback, id, new ByteArrayInputStream(body));
            return true;
        }
        // What a blocking read of the request would have read from here: the bytes taken, the failure taken (which
        // the request will not return again), then the rest. The access check and the other checks still come first.
        InputStream rest = Content.Source.asInputStream(request);
        if (failure != null) {
            rest = new SequenceInputStream(failing(failure), rest);
        }
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(body, 0, at), rest);
        blocking.execute(() -> {
            try {
                single(request, response, callback, id, in);
            } catch (Throwable t) {
                callback.failed(t);
            }
        });
        return true;
    }

    /**
     * One single append of the body {@code in}: no thread waits for the durable write, its acknowledgement sends the
     * answer. Blocks only as far as reading {@code in} blocks.
     */
    private void single(Request request, Response response, Callback callback, String id, InputStream in)
            throws Exception {
        JettyExchange x = new JettyExchange(request, response, id);
        guard.serveAsync(
                x,
                "POST",
                ROUTE,
                Rule.WRITE,
                () -> api.appendAsync(
                                id,
                                x.header("Expected-Version"),
                                () -> api.body(request.getLength(), in, () -> x.header("Connection", "close")))
                        .thenAccept(answer -> x.answer(201, answer)),
                () -> x.send(callback));
    }

    /** A stream whose first read throws {@code failure} as Jetty's request stream would have, then ends. */
    private static InputStream failing(Throwable failure) {
        return new InputStream() {
            private boolean thrown;

            @Override
            public int read() throws IOException {
                if (!thrown) {
                    thrown = true;
                    throw IO.rethrow(failure);
                }
                return -1;
            }
        };
    }

    /** {@code POST /api/appends}, the path exactly (a trailing slash or an escape goes on to Javalin). */
    private void bulk(Request request, Response response, Callback callback) throws Exception {
        JettyExchange x = new JettyExchange(request, response, null);
        guard.serve(x, "POST", BULK_ROUTE, Rule.WRITE, () -> {
            byte[] answer = api.appendMany(
                    Access.writeScope(x.token()),
                    () -> api.bulkBody(
                            request.getLength(),
                            Content.Source.asInputStream(request),
                            () -> x.header("Connection", "close")));
            x.answer(200, answer);
        });
        x.send(callback);
    }

    /**
     * The aggregate id of a path {@code /api/aggregates/ID/events} whose {@code ID} reads the same raw and decoded (no
     * percent-escape, no {@code +}, no path parameter, not a dot segment); {@code null} for any other path.
     */
    static @Nullable String aggregateId(@Nullable String path) {
        if (path == null
                || path.length() <= PREFIX.length() + SUFFIX.length()
                || !path.startsWith(PREFIX)
                || !path.endsWith(SUFFIX)) {
            return null;
        }
        int end = path.length() - SUFFIX.length();
        boolean dotsOnly = true;
        for (int i = PREFIX.length(); i < end; i++) {
            char c = path.charAt(i);
            if (!plain(c)) {
                return null;
            }
            dotsOnly &= c == '.';
        }
        return dotsOnly ? null : path.substring(PREFIX.length(), end);
    }

    /** RFC 3986 unreserved characters and the sub-delimiters that no layer decodes or interprets in a segment. */
    private static boolean plain(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "-._~!$&'()*,=:@".indexOf(c) >= 0;
    }

    /** The exchange of one request: the answer is kept until {@link #send} writes it in one go. */
    private static final class JettyExchange implements Exchange {
        private static final Logger LOG = LoggerFactory.getLogger(JettyExchange.class);

        private final Request request;
        private final Response response;
        private final @Nullable String aggregateId;
        private int status = 200;
        private byte[] body = new byte[0];
        private @Nullable ApiToken token;

        JettyExchange(Request request, Response response, @Nullable String aggregateId) {
            this.request = request;
            this.response = response;
            this.aggregateId = aggregateId;
            // first, as Javalin does: the headers of an answer come in the same order on both paths
            response.getHeaders().put(JSON);
        }

        void answer(int status, byte[] json) {
            this.status = status;
            this.body = json;
        }

        /**
         * Writes the answer: status, {@code Content-Type}, {@code Content-Length} and body, in one write, which
         * completes {@code callback} (also when it cannot be started: a request must never be left unanswered).
         */
        void send(Callback callback) {
            try {
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
            } catch (RuntimeException e) {
                callback.failed(e);
            }
        }

        @Override
        public String path() {
            return request.getHttpURI().getPath();
        }

        @Override
        public @Nullable String queryString() {
            return request.getHttpURI().getQuery();
        }

        @Override
        public @Nullable String header(String name) {
            return request.getHeaders().get(name);
        }

        @Override
        public @Nullable String queryParam(String name) {
            return Request.extractQueryParameters(request).getValue(name);
        }

        @Override
        public @Nullable String pathParam(String name) {
            return "aggregate_id".equals(name) ? aggregateId : null; // the bulk route has none
        }

        @Override
        public void header(String name, String value) {
            response.getHeaders().put(name, value);
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public void fail(ApiError error) {
            if (response.isCommitted()) {
                LOG.debug("response already committed; dropping error {}", error);
                return;
            }
            answer(error.status(), error.toJson());
        }

        @Override
        public void token(ApiToken token) {
            this.token = token;
        }

        @Override
        public @Nullable ApiToken token() {
            return token;
        }
    }
}
