package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.server.internal.Access.Rule;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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

    private static final String PREFIX = "/api/aggregates/";
    private static final String SUFFIX = "/events";
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");

    private final RouteGuard guard;
    private final EventsApi api;

    public AppendHandler(RouteGuard guard, EventsApi api) {
        this.guard = guard;
        this.api = api;
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
        JettyExchange x = new JettyExchange(request, response, id);
        // no thread waits for the durable write: its acknowledgement sends the answer
        guard.serveAsync(
                x,
                "POST",
                ROUTE,
                Rule.WRITE,
                () -> api.appendAsync(
                                id,
                                x.header("Expected-Version"),
                                () -> api.body(
                                        request.getLength(),
                                        Content.Source.asInputStream(request),
                                        () -> x.header("Connection", "close")))
                        .thenAccept(answer -> x.answer(201, answer)),
                () -> x.send(callback));
        return true;
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
