package dev.hindsight.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.Json;
import dev.hindsight.core.spi.ProposedAppend;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@code eventstore.append} and {@code eventstore.append_all} spans of {@link dev.hindsight.core.EventStore}. The
 * events' {@code correlation_id} and {@code causation_id} become span attributes; the events themselves are never
 * changed by tracing. Stateless; thread-safe.
 */
public final class AppendSpans {
    private AppendSpans() {}

    /** Runs one append in an {@code eventstore.append} span. */
    public static AppendResult append(
            Tracing tracing, String aggregateId, List<ProposedEvent> events, Supplier<AppendResult> append) {
        return tracing.inSpan(SpanNames.APPEND, SpanKind.INTERNAL, span -> {
            if (span.isRecording()) {
                span.setAttribute(SpanNames.AGGREGATE_ID, aggregateId);
                span.setAttribute(SpanNames.EVENT_COUNT, (long) events.size());
                correlation(span, events);
            }
            AppendResult r = append.get();
            span.setAttribute(SpanNames.FIRST_VERSION, r.firstVersion());
            span.setAttribute(SpanNames.LAST_VERSION, r.lastVersion());
            if (span.isRecording()) {
                span.setAttribute(SpanNames.POSITION, r.position().toString());
            }
            return r;
        });
    }

    /** Runs a batch of appends in an {@code eventstore.append_all} span. */
    public static List<AppendOutcome> appendAll(
            Tracing tracing, List<ProposedAppend> appends, Supplier<List<AppendOutcome>> run) {
        return tracing.inSpan(SpanNames.APPEND_ALL, SpanKind.INTERNAL, span -> {
            if (span.isRecording()) {
                span.setAttribute(SpanNames.APPEND_COUNT, (long) appends.size());
                span.setAttribute(
                        SpanNames.EVENT_COUNT,
                        appends.stream().mapToLong(a -> a.events().size()).sum());
                if (!appends.isEmpty()) {
                    correlation(span, appends.getFirst().events());
                }
            }
            return run.get();
        });
    }

    private static void correlation(Span span, List<ProposedEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        ObjectNode meta = Json.parseObject(events.getFirst().metadata(), "metadata");
        text(span, SpanNames.CORRELATION_ID, meta.get("correlation_id"));
        text(span, SpanNames.CAUSATION_ID, meta.get("causation_id"));
    }

    private static void text(Span span, AttributeKey<String> key, @Nullable JsonNode value) {
        if (value != null && !value.isNull()) {
            span.setAttribute(key, value.isTextual() ? value.asText() : value.toString());
        }
    }
}
