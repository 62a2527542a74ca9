package dev.hindsight.projection.internal;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import java.sql.SQLException;
import java.util.List;

/**
 * The {@code projection.batch} span: one transaction of a projection (its events applied and its checkpoint saved),
 * with the projection's name, the batch size and the positions it moves from and to. A batch that only advances the
 * checkpoint (no events) gets no span. Stateless; thread-safe.
 */
final class BatchSpans {
    private BatchSpans() {}

    /** A transaction of a projection. */
    @FunctionalInterface
    interface Transaction {
        void run() throws SQLException;
    }

    static void run(
            Tracing tracing,
            String projection,
            Position from,
            List<RecordedEvent> events,
            Position next,
            Transaction transaction)
            throws SQLException {
        if (events.isEmpty()) {
            transaction.run();
            return;
        }
        tracing.inSpan(SpanNames.PROJECTION_BATCH, SpanKind.INTERNAL, span -> {
            if (span.isRecording()) {
                span.setAttribute(SpanNames.PROJECTION, projection);
                span.setAttribute(SpanNames.BATCH_SIZE, (long) events.size());
                span.setAttribute(SpanNames.FROM_POSITION, from.toString());
                span.setAttribute(SpanNames.POSITION, next.toString());
            }
            transaction.run();
            return null;
        });
    }
}
