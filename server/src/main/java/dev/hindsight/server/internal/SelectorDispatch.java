package dev.hindsight.server.internal;

import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's outermost handler, declared {@link InvocationType#NON_BLOCKING}: with it the whole handler tree is
 * non-blocking to Jetty, so Jetty's selector thread reads, parses and hands each request to it itself instead of
 * dispatching every readable connection to a (virtual) thread first. It lets the requests of {@code inline} (those
 * whose handling never blocks: the asynchronous single append, {@link AppendHandler#servesWithoutBlocking}) go on to
 * the handlers inside on the calling thread, and runs every other request's handlers (Javalin's routes, the bulk
 * append, anything that reads a body or a store blocking) on a thread of {@code blocking}, as Jetty itself would have,
 * answering as Jetty's own invoker does when no handler takes the request (404) or one throws. Thread-safe.
 */
public final class SelectorDispatch extends Handler.Wrapper {
    private final Executor blocking;
    private final Predicate<Request> inline;

    /**
     * @param blocking runs the handling of requests that may block (a virtual thread per task)
     * @param inline the requests whose handling never blocks the calling thread
     */
    public SelectorDispatch(Executor blocking, Predicate<Request> inline) {
        this.blocking = blocking;
        this.inline = inline;
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (inline.test(request)) {
            return super.handle(request, response, callback);
        }
        blocking.execute(() -> handleBlocking(request, response, callback));
        return true;
    }

    /** What Jetty's handler invoker does with the server's handlers: 404 when none takes it, a throw fails it. */
    private void handleBlocking(Request request, Response response, Callback callback) {
        try {
            Handler fallback = getServer() == null ? null : getServer().getDefaultHandler();
            if (!super.handle(request, response, callback)
                    && (fallback == null || !fallback.handle(request, response, callback))) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
        } catch (Throwable t) {
            callback.failed(t);
        }
    }
}
