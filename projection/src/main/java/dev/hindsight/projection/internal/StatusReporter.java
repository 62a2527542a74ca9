package dev.hindsight.projection.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.projection.ProjectionStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Computes a projection's {@link ProjectionStatus}: lag behind the head in events and time, throughput since the
 * previous report, dead letters. Thread-safe: each projection's rate sample is guarded by its own array's monitor.
 */
public final class StatusReporter {
    private final EventStore store;
    private final Readers readers;
    private final Map<String, long[]> rates = new ConcurrentHashMap<>();

    public StatusReporter(EventStore store, Readers readers) {
        this.store = store;
        this.readers = readers;
    }

    /**
     * Status of one projection.
     *
     * @param r its live runner
     * @param rb its rebuild runner, if a rebuild is running
     * @param inline whether it is inline ({@code ProjectionOptions.inline()})
     */
    public ProjectionStatus status(String name, Runner r, @Nullable Runner rb, boolean inline) {
        Position head = store.head();
        Position at = r.position();
        long lagEvents = lag(head, at);
        long lagMillis = 0;
        if (lagEvents > 0) {
            GlobalSlice next = store.readAll(at, 1, EventFilter.ALL);
            if (!next.events().isEmpty()) {
                lagMillis = Math.max(
                        0,
                        Duration.between(next.events().getFirst().recordedAt(), Instant.now())
                                .toMillis());
            }
        }
        long deadLetters = -1;
        Connection c = null;
        boolean broken = false;
        try {
            // A pooled reader, given back afterwards: status is polled (the web UI every few seconds), and closing
            // the reader would make the next call open a new connection.
            c = readers.borrow();
            deadLetters = Catalog.deadLetterCount(c, name, r.generation());
        } catch (SQLException e) {
            broken = true;
        } finally {
            if (c != null) {
                readers.release(c, broken);
            }
        }
        String state = rb != null ? "rebuilding" : r.state();
        String mode = inline ? "inline" : "async";
        return new ProjectionStatus(
                name,
                state,
                mode,
                r.generation(),
                at.toString(),
                head.toString(),
                lagEvents,
                lagMillis,
                rate(name, r),
                deadLetters,
                r.lastError(),
                r.failedPosition(),
                rb == null ? null : rb.position().toString());
    }

    /** How many events {@code at} is behind {@code head} (0 if the positions are of different kinds). */
    public static long lag(Position head, Position at) {
        if (head instanceof Position.Sequence h && at instanceof Position.Sequence a) {
            return Math.max(0, h.value() - a.value());
        }
        if (head instanceof Position.Vector h && at instanceof Position.Vector a) {
            long sum = 0;
            long[] ho = h.offsets();
            for (int i = 0; i < ho.length; i++) {
                sum += Math.max(0, ho[i] - a.offset(i));
            }
            return sum;
        }
        return 0;
    }

    /** Events/s since the previous status call (at least one second apart). */
    private double rate(String name, Runner r) {
        long now = System.nanoTime();
        long count = r.processed();
        long[] prev = rates.computeIfAbsent(name, k -> new long[] {now, count, 0});
        synchronized (prev) {
            long dt = now - prev[0];
            if (dt >= 1_000_000_000L) {
                prev[2] = Double.doubleToLongBits((count - prev[1]) * 1e9 / dt);
                prev[0] = now;
                prev[1] = count;
            }
            return Double.longBitsToDouble(prev[2]);
        }
    }
}
