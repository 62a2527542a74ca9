package dev.hindsight.server.internal;

import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.jspecify.annotations.Nullable;

/**
 * The {@code http.request} span of every API route: its parent is the request's W3C {@code traceparent} (a new trace
 * without one), the response carries the span's own {@code traceparent}, and the store's spans made while handling it
 * (appends, loads) are its children. Off, a route runs unwrapped. Stateless; thread-safe.
 */
public final class HttpSpans {
    private static final TextMapGetter<Exchange> HEADERS = new TextMapGetter<>() {
        @Override
        public @Nullable String get(@Nullable Exchange x, String key) {
            return x == null ? null : x.header(key);
        }
    };

    private HttpSpans() {}

    /** A route's work, run inside the span. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /** Runs {@code inner} in a server span named {@code http.request}, with method, route and status attributes. */
    public static void run(Tracing tracing, String method, String route, Exchange x, Work inner) throws Exception {
        if (!tracing.enabled()) {
            inner.run();
            return;
        }
        Context parent = Tracing.propagator().extract(Context.root(), x, HEADERS);
        tracing.inSpan(SpanNames.HTTP_REQUEST, SpanKind.SERVER, parent, span -> {
            span.setAttribute(SpanNames.HTTP_METHOD, method);
            span.setAttribute(SpanNames.HTTP_ROUTE, route);
            // before the work: a live feed commits its headers early
            Tracing.propagator().inject(Context.current(), x, Exchange::header);
            inner.run();
            int status = x.status();
            span.setAttribute(SpanNames.HTTP_STATUS, (long) status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            return null;
        });
    }
}
