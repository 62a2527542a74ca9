package dev.hindsight.relay;

import dev.hindsight.core.RecordedEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory sinks for relay tests: every event a sink accepts is acknowledged at once and recorded in
 * {@link #published()}; the first {@code refusing} sinks opened refuse every event (as a broker that is down), and the
 * relay opens a new sink for each retry.
 */
final class RecordingSinks implements RelaySink.Factory {
    private final int refusing;
    private final AtomicInteger opened = new AtomicInteger();
    private final List<RecordedEvent> published = new CopyOnWriteArrayList<>();

    RecordingSinks(int refusing) {
        this.refusing = refusing;
    }

    /** Events acknowledged, in the order sent. */
    List<RecordedEvent> published() {
        return published;
    }

    @Override
    public RelaySink open() {
        boolean refuses = opened.incrementAndGet() <= refusing;
        return new RelaySink() {
            @Override
            public void prepare() {}

            @Override
            public Future<?> send(RecordedEvent event) {
                if (refuses) {
                    return CompletableFuture.failedFuture(new IllegalStateException("broker refused"));
                }
                published.add(event);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
    }
}
