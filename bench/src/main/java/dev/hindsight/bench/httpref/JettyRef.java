package dev.hindsight.bench.httpref;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Bare Jetty 12 (the product's version, through Javalin) serving only the single append: one non-blocking
 * {@link Handler} (so the selector reads, parses and hands each request over itself, as {@code serve}'s
 * {@code SelectorDispatch} makes it do), the body taken as it arrived (or on demand), the answer written once with its
 * length; a connection whose request completed on another thread is resumed by that thread, as {@code serve} does.
 * No servlet, Javalin, metrics, access checks or error JSON.
 */
final class JettyRef implements RefServer {
    private final Server server;

    /**
     * @param acceptors Jetty's acceptor threads, -1 for its default
     * @param selectors Jetty's selector threads, -1 for its default (one on 2 cores)
     */
    JettyRef(int port, int acceptors, int selectors, RefStore store) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2) {
            @Override
            public void execute(Runnable job) {
                if (job instanceof HttpConnection) {
                    job.run(); // resume on the completing thread: the handler never blocks
                } else {
                    super.execute(job);
                }
            }
        };
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, acceptors, selectors, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Appends(store));
        server.start();
    }

    @Override
    public void stop() throws Exception {
        server.stop();
    }

    /** {@code POST /api/aggregates/{id}/events} only; anything else 404. */
    private static final class Appends extends Handler.Abstract.NonBlocking {
        private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
        private static final int MAX_BODY = 64 * 1024;

        private final RefStore store;

        Appends(RefStore store) {
            this.store = store;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String id = "POST".equals(request.getMethod())
                    ? AppendPath.aggregateId(request.getHttpURI().getPath())
                    : null;
            long length = request.getLength();
            if (id == null || length < 0 || length > MAX_BODY) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                return true;
            }
            new Body(
                            request,
                            (int) length,
                            body -> store.append(id, request.getHeaders().get("Expected-Version"), body)
                                    .whenComplete((answer, failure) -> {
                                        if (failure != null) {
                                            send(
                                                    response,
                                                    callback,
                                                    500,
                                                    failure.toString().getBytes(StandardCharsets.UTF_8));
                                        } else {
                                            send(response, callback, 201, answer);
                                        }
                                    }),
                            callback)
                    .run();
            return true;
        }

        private static void send(Response response, Callback callback, int status, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put(JSON);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }

    /** Reads a body of known length without blocking: what has arrived now, the rest when Jetty says it is there. */
    private static final class Body implements Runnable {
        private final Request request;
        private final byte[] bytes;
        private final java.util.function.Consumer<byte[]> then;
        private final Callback callback;
        private int at;

        Body(Request request, int length, java.util.function.Consumer<byte[]> then, Callback callback) {
            this.request = request;
            this.bytes = new byte[length];
            this.then = then;
            this.callback = callback;
        }

        @Override
        public void run() {
            while (at < bytes.length) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    callback.failed(chunk.getFailure());
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int n = Math.min(b.remaining(), bytes.length - at);
                b.get(bytes, at, n);
                at += n;
                boolean last = chunk.isLast();
                chunk.release();
                if (last && at < bytes.length) {
                    callback.failed(new IllegalStateException("body ended after " + at + " of " + bytes.length));
                    return;
                }
            }
            then.accept(bytes);
        }
    }
}
