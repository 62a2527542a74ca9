package dev.hindsight.core.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the store's spans go: nowhere ({@link #off()}), a given {@link OpenTelemetry} ({@link #of}), or the process
 * default ({@link #global()}, off until {@link #installGlobal} is called, as {@code serve --otlp-endpoint} does).
 *
 * <p>Off costs one volatile read per instrumented call: {@link #inSpan} then runs its body with the invalid span and
 * touches no context. Instrumented code computes costly attributes only when {@link Span#isRecording()}. Spans are made
 * current in OpenTelemetry's {@link Context} (a thread-local underneath: a span's body runs on one thread), so spans
 * started inside the body are its children. Thread-safe.
 */
public final class Tracing {
    private static final String SCOPE = "dev.hindsight";
    private static final Tracing OFF = new Tracing(null, false);
    private static final Tracing GLOBAL = new Tracing(null, true);
    private static volatile @Nullable Tracer globalTracer;

    private final @Nullable Tracer tracer;
    private final boolean global;

    private Tracing(@Nullable Tracer tracer, boolean global) {
        this.tracer = tracer;
        this.global = global;
    }

    /** No spans, ever. */
    public static Tracing off() {
        return OFF;
    }

    /** Spans to {@code otel}'s tracer provider (e.g. an SDK with an OTLP or in-memory exporter). */
    public static Tracing of(OpenTelemetry otel) {
        return new Tracing(Objects.requireNonNull(otel, "otel").getTracer(SCOPE), false);
    }

    /**
     * The process default, which every {@link dev.hindsight.core.EventStore} uses unless given another: off until
     * {@link #installGlobal}; follows later installs.
     */
    public static Tracing global() {
        return GLOBAL;
    }

    /** Makes {@link #global()} send spans to {@code otel}; {@code null} turns it off again. */
    public static void installGlobal(@Nullable OpenTelemetry otel) {
        globalTracer = otel == null ? null : otel.getTracer(SCOPE);
    }

    private @Nullable Tracer tracer() {
        return global ? globalTracer : tracer;
    }

    /** Whether spans are recorded at all. */
    public boolean enabled() {
        return tracer() != null;
    }

    /** The W3C Trace Context propagator ({@code traceparent}, {@code tracestate}) used for HTTP. */
    public static TextMapPropagator propagator() {
        return W3CTraceContextPropagator.getInstance();
    }

    /** A body run inside a span. */
    @FunctionalInterface
    public interface Body<T, X extends Exception> {
        T run(Span span) throws X;
    }

    /**
     * Runs {@code body} in a new span, child of the current one; see {@link #inSpan(String, SpanKind, Context, Body)}.
     */
    public <T, X extends Exception> T inSpan(String name, SpanKind kind, Body<T, X> body) throws X {
        return inSpan(name, kind, null, body);
    }

    /**
     * Runs {@code body} in a new span of {@code parent} (the current context when null), made current while it runs,
     * and ends it; an exception thrown by the body is recorded on the span (status error) and rethrown. Off: runs the
     * body with {@link Span#getInvalid()}.
     */
    @SuppressWarnings("try") // the scope is only closed
    public <T, X extends Exception> T inSpan(String name, SpanKind kind, @Nullable Context parent, Body<T, X> body)
            throws X {
        Tracer t = tracer();
        if (t == null) {
            return body.run(Span.getInvalid());
        }
        Span span = t.spanBuilder(name)
                .setSpanKind(kind)
                .setParent(parent != null ? parent : Context.current())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return body.run(span);
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}
