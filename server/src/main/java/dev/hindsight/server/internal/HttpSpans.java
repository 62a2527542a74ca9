package dev.hindsight.server.internal;

import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.jspecify.annotations.Nullable;

/**
 * The {@code http.request} span of every API route: its parent is the request's W3C {@code traceparent} (a new trace
 * without one), the response carries the span's own {@code traceparent}, and the store's spans made while handling it
 * (appends, loads) are its children. Off, a route runs unwrapped. Stateless; thread-safe.
 */
public final class HttpSpans {
    private static final TextMapGetter<Context> HEADERS = new TextMapGetter<>() {
        @Override
        public @Nullable String get(@Nullable Context ctx, String key) {
            return ctx == null ? null : ctx.header(key);
        }
    };

    private HttpSpans() {}

    /** {@code inner} in a server span named {@code http.request}, with method, route and status attributes. */
    public static Handler wrap(Tracing tracing, String method, String route, Handler inner) {
        return ctx -> {
            if (!tracing.enabled()) {
                inner.handle(ctx);
                return;
            }
            io.opentelemetry.context.Context parent =
                    Tracing.propagator().extract(io.opentelemetry.context.Context.root(), ctx, HEADERS);
            tracing.inSpan(SpanNames.HTTP_REQUEST, SpanKind.SERVER, parent, span -> {
                span.setAttribute(SpanNames.HTTP_METHOD, method);
                span.setAttribute(SpanNames.HTTP_ROUTE, route);
                // before the handler: a live feed commits its headers early
                Tracing.propagator().inject(io.opentelemetry.context.Context.current(), ctx, Context::header);
                inner.handle(ctx);
                int status = ctx.statusCode();
                span.setAttribute(SpanNames.HTTP_STATUS, (long) status);
                if (status >= 500) {
                    span.setStatus(StatusCode.ERROR);
                }
                return null;
            });
        };
    }
}
