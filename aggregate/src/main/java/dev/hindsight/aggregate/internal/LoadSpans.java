package dev.hindsight.aggregate.internal;

import dev.hindsight.aggregate.Loaded;
import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import java.util.function.Supplier;

/**
 * The {@code eventstore.load} span of {@link dev.hindsight.aggregate.AggregateRepository}: aggregate id, resulting
 * version, whether it started from a snapshot (or cached state) and at which version, events replayed. Stateless;
 * thread-safe.
 */
public final class LoadSpans {
    private LoadSpans() {}

    public static <S> Loaded<S> load(Tracing tracing, String aggregateId, Supplier<Loaded<S>> load) {
        return tracing.inSpan(SpanNames.LOAD, SpanKind.INTERNAL, span -> {
            span.setAttribute(SpanNames.AGGREGATE_ID, aggregateId);
            Loaded<S> loaded = load.get();
            span.setAttribute(SpanNames.VERSION, loaded.version());
            span.setAttribute(SpanNames.SNAPSHOT_USED, loaded.fromSnapshot() > 0);
            span.setAttribute(SpanNames.SNAPSHOT_VERSION, loaded.fromSnapshot());
            span.setAttribute(SpanNames.REPLAYED, loaded.replayed());
            return loaded;
        });
    }
}
