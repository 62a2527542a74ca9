package dev.hindsight.server.internal;

import dev.hindsight.core.NotOwnerException;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.tracing.Tracing;
import dev.hindsight.server.internal.Access.Rule;
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
                if (access != null) {
                    access.check(x, route, rule);
                }
                Params.checkQueryString(x.queryString());
                handler.run();
            } catch (Exception e) {
                if (e instanceof NotOwnerException n && n.owner() != null) {
                    // a partitioned engine: the owning node takes the request (307 keeps method and body)
                    String query = x.queryString();
                    x.header("Location", n.owner() + x.path() + (query == null ? "" : "?" + query));
                }
                x.fail(ApiError.from(e));
            } finally {
                metrics.request(method, route, x.status());
                if (rule.role() == Role.admin && "POST".equals(method) && x.status() != 401) {
                    audit.adminRequest(method, x.path(), x.status(), x.token());
                }
            }
        });
    }
}
