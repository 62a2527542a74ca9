package dev.hindsight.orders;

import dev.hindsight.aggregate.Loaded;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.decider.OrderDecider;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.event.OrderEvents;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot service (the {@code snapshots} role): follows the global log from its checkpoint and, for every order
 * event after which {@link OrderService#SNAPSHOT_POLICY} asks for one (every 10 events, and after Paid, Shipped,
 * Delivered), saves a snapshot of the order's state at exactly that version. It keeps the newest state of up to
 * {@value #CACHED_STATES} recently seen orders (about 10 MB) and moves a kept state over each of the order's events as
 * it reads them (the seed's "keeps state per order in memory"), so most snapshots need no read; an order it does not
 * hold at the version before the event is loaded from the log (the latest snapshot at or below the version plus the
 * events after it). Either way the state is built from the log's events, so a snapshot is never of a state the log
 * does not contain. A {@code SubjectForgotten} event empties the kept states (they may hold the subject's fields in
 * the clear). The checkpoint moves after a batch's
 * snapshots are saved: after a crash the batch is done again, saving the same snapshots again (same bytes). Thread-safe:
 * one background thread works; {@link #position()} and {@link #written()} may be read from anywhere.
 */
public final class OrderSnapshotService implements AutoCloseable {
    /** The checkpoint's name in the store's checkpoint table. */
    public static final String CHECKPOINT = "orders-snapshots";

    private static final Logger LOG = LoggerFactory.getLogger(OrderSnapshotService.class);
    private static final int BATCH = 500;
    /** Orders whose state the service keeps between their events (about 1 KB each). */
    static final int CACHED_STATES = 10_000;

    private final EventStore store;
    private final SnapshotStore snapshots;
    private final CheckpointStore checkpoints;
    private final OrderService replay;
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final Clock clock;
    private final LongConsumer lagMicros;
    /** The newest state of recently seen orders, least recently used first; touched by the service thread only. */
    private final Map<String, Cached> states = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHED_STATES;
        }
    };

    private record Cached(OrderState state, long version) {}

    private volatile Position position;
    private volatile boolean running = true;

    private OrderSnapshotService(
            EventStore store,
            SnapshotStore snapshots,
            CheckpointStore checkpoints,
            Clock clock,
            LongConsumer lagMicros) {
        this.store = store;
        this.clock = clock;
        this.lagMicros = lagMicros;
        this.snapshots = Objects.requireNonNull(OrderPrivacy.snapshots(store, snapshots));
        this.checkpoints = checkpoints;
        // loads from the snapshots this service writes; writes none on its own
        this.replay = new OrderService(store, this.snapshots, clock, dev.hindsight.aggregate.SnapshotPolicy.never());
        this.position = checkpoints.load(CHECKPOINT).orElse(store.log().start());
        this.thread = Thread.ofPlatform().name("orders-snapshots").daemon().unstarted(this::run);
    }

    /** Starts following the log from the stored checkpoint. */
    public static OrderSnapshotService start(
            EventStore store, SnapshotStore snapshots, CheckpointStore checkpoints, Clock clock) {
        return start(store, snapshots, checkpoints, clock, lag -> {});
    }

    /**
     * Starts following the log from the stored checkpoint, telling {@code lagMicros} for every snapshot saved how long
     * after its event was committed ({@link RecordedEvent#recordedAt}) it was saved, in microseconds (the snapshot lag).
     */
    public static OrderSnapshotService start(
            EventStore store,
            SnapshotStore snapshots,
            CheckpointStore checkpoints,
            Clock clock,
            LongConsumer lagMicros) {
        OrderSnapshotService s = new OrderSnapshotService(
                Objects.requireNonNull(store),
                Objects.requireNonNull(snapshots),
                checkpoints,
                clock,
                Objects.requireNonNull(lagMicros));
        s.thread.start();
        return s;
    }

    /** Where the service has processed the log up to (its checkpoint). */
    public Position position() {
        return position;
    }

    /** Snapshots saved since this process started. */
    public long written() {
        return written.get();
    }

    /** Whether the policy asks for a snapshot after {@code e}. */
    static boolean wanted(RecordedEvent e) {
        return OrderEvents.REGISTRY.knows(e.eventType())
                && OrderService.SNAPSHOT_POLICY.shouldSnapshot(
                        e.version() - 1, e.version(), List.of(EventData.of(e.eventType(), e.eventData())));
    }

    private void run() {
        while (running) {
            try {
                Position from = position;
                GlobalSlice slice = store.readAll(from, BATCH, EventFilter.ALL);
                if (slice.events().isEmpty()) {
                    if (slice.next().equals(from)) {
                        store.log().awaitAfter(from, Duration.ofMillis(500));
                    } else {
                        // not the end: the engine skipped a long run of positions (the file engine stops a page after
                        // 100,000 deleted ones); go on from there
                        checkpoints.save(CHECKPOINT, slice.next());
                        position = slice.next();
                    }
                    continue;
                }
                for (RecordedEvent e : slice.events()) {
                    follow(e);
                }
                checkpoints.save(CHECKPOINT, slice.next());
                position = slice.next();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("snapshot service: retrying from its checkpoint after {}", e.toString());
                states.clear();
                sleep();
            }
        }
    }

    /**
     * Moves the order's kept state over {@code e} and saves a snapshot where the policy asks for one. The state is the
     * kept one plus {@code e} when the service has the order at the version before it (the common case: no read at
     * all), else loaded from the store (the latest snapshot at or below the version plus the events after it).
     */
    private void follow(RecordedEvent e) {
        if (e.eventType().equals(Shredder.FORGOTTEN_EVENT)) {
            states.clear(); // kept states may hold a forgotten subject's fields in the clear: load them again
            return;
        }
        boolean wanted = wanted(e);
        Cached kept = states.get(e.aggregateId());
        OrderState next = null;
        try {
            if (kept != null && kept.version() == e.version() - 1) {
                next = replay.apply(kept.state(), e);
            } else if (e.version() == 1 && OrderEvents.REGISTRY.knows(e.eventType())) {
                next = replay.apply(OrderDecider.INSTANCE.initialState(), e);
            }
        } catch (RuntimeException notAnOrderEvent) {
            next = null;
        }
        if (next == null && wanted) {
            next = loaded(e);
        }
        if (next == null) {
            states.remove(e.aggregateId());
            return;
        }
        states.put(e.aggregateId(), new Cached(next, e.version()));
        if (wanted) {
            snapshot(e, next);
        }
    }

    private OrderState loaded(RecordedEvent e) {
        Loaded<OrderState> at = replay.loadAtVersion(e.aggregateId(), e.version());
        if (at.version() != e.version()) {
            throw new IllegalStateException(
                    "order " + e.aggregateId() + " loaded at version " + at.version() + " instead of " + e.version());
        }
        return at.state();
    }

    private void snapshot(RecordedEvent e, OrderState state) {
        // saved here, not through the repository's background writer, so that a failure stops the checkpoint
        snapshots.save(new Snapshot(
                e.aggregateId(),
                e.version(),
                e.timestamp(),
                OrderService.STATE_CODEC.fingerprint(),
                OrderService.STATE_CODEC.write(state)));
        written.incrementAndGet();
        lagMicros.accept(
                Math.max(0, Duration.between(e.recordedAt(), clock.instant()).toNanos() / 1000));
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the service (a batch in progress is done again by the next run). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        @Nullable Position p = position;
        return "OrderSnapshotService at " + p;
    }
}
