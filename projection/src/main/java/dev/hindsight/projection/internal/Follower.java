package dev.hindsight.projection.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.ProjectionStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projections of an engine whose runners run in another process (the {@code read-model} role): no runner here;
 * the live generation and the checkpoint are read from the read model's catalog, which that process commits with each
 * batch. {@link #awaitPosition} polls the checkpoint; a background thread follows generation switches (rebuilds) so
 * that queries move to the new tables. Thread-safe.
 */
public final class Follower {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration REFRESH = Duration.ofMillis(500);

    private final EventStore store;
    private final Readers readers;
    private final Generations generations;
    private final Set<String> names;
    private volatile boolean running = true;
    private @Nullable Thread refresher; // guarded by this

    public Follower(EventStore store, Readers readers, Generations generations, Set<String> names) {
        this.store = store;
        this.readers = readers;
        this.generations = generations;
        this.names = Set.copyOf(names);
    }

    /** Reads the live generations, then follows them in the background. */
    public synchronized void start() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.info("the read model has no catalog yet (is a read-model process running?): {}", e.getMessage());
        }
        refresher = Thread.ofVirtual().name("projection-follower").start(() -> {
            while (running) {
                try {
                    Thread.sleep(REFRESH);
                    refresh();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("cannot read the projection catalog: {}", e.toString());
                }
            }
        });
    }

    /** Whether {@code name} has live tables (the read-model process has created them). */
    public boolean ready(String name) {
        return generations.has(name);
    }

    private void refresh() {
        for (String name : names) {
            withReader(c -> {
                Catalog.activeGeneration(c, name).ifPresent(g -> generations.started(name, g));
                return null;
            });
        }
    }

    /**
     * The checkpoint of {@code name}'s live generation, the start of the log if it has none yet. Where runners of
     * single partitions commit ({@link PartitionedRunners}), each partition's entry of the vector is that partition's
     * row (the generation's whole-log checkpoint, if any, for partitions without one).
     */
    public Position position(String name) {
        return committed(name).orElse(store.log().start());
    }

    /** As {@link #position}, empty while {@code name} has no live generation (no read-model process has run). */
    private Optional<Position> committed(String name) {
        return withReader(c -> committedIn(c, name).map(Committed::position));
    }

    /** A projection's live generation and the position its tables hold, as read together from the catalog. */
    public record Committed(long generation, Position position) {}

    /**
     * The live generation of {@code name} and its committed position (as {@link #position}), read on {@code c}: in a
     * repeatable-read transaction, the position of the tables that transaction sees (each batch commits its rows and
     * its checkpoint together). Empty while {@code name} has no live generation.
     */
    public Optional<Committed> committedIn(Connection c, String name) throws SQLException {
        Optional<Long> gen = Catalog.activeGeneration(c, name);
        if (gen.isEmpty()) {
            return Optional.empty();
        }
        Position whole =
                Catalog.checkpoint(c, name, gen.get()).orElse(store.log().start());
        Map<Integer, Long> parts = Catalog.partitionOffsets(c, name, gen.get());
        if (parts.isEmpty() || !(store.log().start() instanceof Position.Vector start)) {
            return Optional.of(new Committed(gen.get(), whole));
        }
        long[] offsets = whole instanceof Position.Vector v
                ? Arrays.copyOf(v.offsets(), start.offsets().length)
                : start.offsets();
        parts.forEach((p, offset) -> {
            if (p < offsets.length) {
                offsets[p] = offset;
            }
        });
        return Optional.of(new Committed(gen.get(), new Position.Vector(offsets)));
    }

    /** Waits until the other process's runner of {@code name} has processed {@code position}. */
    public boolean awaitPosition(String name, Position position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Position> at;
            try {
                at = committed(name);
            } catch (StoreUnavailableException e) {
                at = Optional.empty(); // no catalog yet: the read-model process has not started
            }
            // once a read-model process has created the live generation: the start of an empty log is covered too
            if (at.isPresent() && at.get().covers(position)) {
                refresh();
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(POLL);
        }
    }

    /** Status as the catalog shows it; state {@code remote}: the runner runs in another process. */
    public ProjectionStatus status(String name) {
        Position head = store.head();
        Position at = position(name);
        long lagEvents = StatusReporter.lag(head, at);
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
        long generation = generations.has(name) ? generations.active(name) : 0;
        long deadLetters = generation == 0 ? 0 : withReader(c -> Catalog.deadLetterCount(c, name, generation));
        return new ProjectionStatus(
                name,
                "remote",
                "async",
                generation,
                at.toString(),
                head.toString(),
                lagEvents,
                lagMillis,
                0,
                deadLetters,
                null,
                null,
                null);
    }

    private <T> T withReader(SqlFunction<T> f) {
        Connection c = null;
        boolean broken = false;
        try {
            c = readers.borrow();
            return f.apply(c);
        } catch (SQLException e) {
            broken = true;
            throw new StoreUnavailableException("cannot read the projection catalog: " + e.getMessage(), e);
        } finally {
            if (c != null) {
                readers.release(c, broken);
            }
        }
    }

    @FunctionalInterface
    private interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    /** Stops following. */
    public synchronized void close() {
        running = false;
        if (refresher != null) {
            refresher.interrupt();
        }
    }
}
