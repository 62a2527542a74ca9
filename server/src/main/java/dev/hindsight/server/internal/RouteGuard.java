package dev.hindsight.server.internal;

import dev.hindsight.core.NotOwnerException;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.tracing.Tracing;
import dev.hindsight.server.internal.Access.Rule;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * What every API route does around its handler, whichever layer serves it (a Javalin route or {@link AppendHandler}):
 * inside the {@code http.request} span ({@link HttpSpans}), the access check (when authentication is on) and the query
 * string check, then the handler; any failure answered as a JSON error (with {@code Location} when a partitioned
 * engine names the owning node); then the request metric and, for admin writes, the audit record. Thread-safe.
 */
public final class RouteGuard {
    private final @Nullable Access access;
    private final ServerMetrics metrics;
    private final Audit audit;
    private final Tracing tracing;

    /**
     * @param access the access check, or null when authentication is off
     */
    public RouteGuard(@Nullable Access access, ServerMetrics metrics, Audit audit, Tracing tracing) {
        this.access = access;
        this.metrics = metrics;
        this.audit = audit;
        this.tracing = tracing;
    }

    /**
     * Serves one request of the route {@code method route} with {@code handler}. Every exception of the handler (and
     * of the checks) becomes the error answer; only errors ({@link Error}) pass.
     */
    public void serve(Exchange x, String method, String route, Rule rule, HttpSpans.Work handler) throws Exception {
        HttpSpans.run(tracing, method, route, x, () -> {
            try {
                check(x, route, rule);
                handler.run();
            } catch (Exception e) {
                fail(x, e);
            } finally {
                finish(x, method, route, rule);
            }
        });
    }

    /** A route's work that finishes later: it sets the answer on the exchange by the time its stage completes. */
    @FunctionalInterface
    public interface AsyncWork {
        CompletionStage<?> start() throws Exception;
    }

    /**
     * {@link #serve(Exchange, String, String, Rule, HttpSpans.Work)} for work that completes later, on another thread
     * (an append's durable write): the checks and the start of the work run on the calling thread, the error answer,
     * the metric and the audit record when the work's stage completes, and then {@code answer} (which sends the
     * answer), on the thread that completed it. No thread waits meanwhile. With tracing on, the calling thread waits
     * for the work inside the {@code http.request} span instead, as the synchronous routes do, so that the store's
     * spans are its children and the span covers the whole request.
     */
    public void serveAsync(Exchange x, String method, String route, Rule rule, AsyncWork handler, Runnable answer)
            throws Exception {
        if (tracing.enabled()) {
            serve(x, method, route, rule, () -> await(handler.start()));
            answer.run();
            return;
        }
        CompletionStage<?> work;
        try {
            check(x, route, rule);
            work = handler.start();
        } catch (Exception e) {
            work = CompletableFuture.failedFuture(e);
        }
        work.whenComplete((ignored, failure) -> {
            try {
                if (failure != null) {
                    fail(x, failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure);
                }
            } finally {
                finish(x, method, route, rule);
                answer.run();
            }
        });
    }

    private void check(Exchange x, String route, Rule rule) throws Exception {
        // the query string first: a scoped token's check reads aggregate_prefix through Jetty's decoder, whose
        // exception on malformed percent-encoding is not an API error (it answered 500)
        Params.checkQueryString(x.queryString());
        if (access != null) {
            access.check(x, route, rule);
        }
    }

    private static void fail(Exchange x, Throwable e) {
        if (e instanceof NotOwnerException n && n.owner() != null) {
            // a partitioned engine: the owning node takes the request (307 keeps method and body)
            String query = x.queryString();
            x.header("Location", n.owner() + x.path() + (query == null ? "" : "?" + query));
        }
        x.fail(ApiError.from(e));
    }

    private void finish(Exchange x, String method, String route, Rule rule) {
        metrics.request(method, route, x.status());
        if (rule.role() == Role.admin && "POST".equals(method) && x.status() != 401) {
            audit.adminRequest(method, x.path(), x.status(), x.token());
        }
    }

    /** Waits for {@code stage}; its failure is thrown as the work would have thrown it. */
    static void await(CompletionStage<?> stage) throws Exception {
        try {
            stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
