package dev.hindsight.orders;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.decider.OrderDecider;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.event.OrderEvent;
import dev.hindsight.orders.event.OrderEvents;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The write side of the order system: handles commands (load from the latest snapshot + later events, decide, append
 * with optimistic concurrency, snapshot in the background) and loads orders now, at a version or as of an instant.
 * Every event gets {@code metadata} {@code {timestamp, user_id, correlation_id}}; its timestamp is the command's
 * instant, read from the injected clock and truncated to microseconds (the precision of the read model and of
 * PostgreSQL, so that every copy of an instant compares equal). Thread-safe.
 */
public final class OrderService implements AutoCloseable {
    /** Orders whose current state stays in memory between commands (about 1 KB each). */
    static final int CACHED_ORDERS = 20_000;

    /** The seed's Step 3: a snapshot every 10 events, and after every major state change. */
    public static final SnapshotPolicy SNAPSHOT_POLICY = SnapshotPolicy.everyNEvents(10)
            .or(SnapshotPolicy.onEventTypes(Set.of(OrderEvents.PAID, OrderEvents.SHIPPED, OrderEvents.DELIVERED)));

    public static final StateCodec<OrderState> STATE_CODEC = StateCodec.of(OrderState.class, OrderState.SCHEMA_VERSION);

    /** Attempts with a later instant when a concurrent writer appended a later-timestamped event first. */
    private static final int TIMESTAMP_RETRIES = 3;

    private static final JsonStringEncoder JSON_TEXT = JsonStringEncoder.getInstance();

    private final EventStore store;
    private final AggregateRepository<OrderCommand, OrderState, OrderEvent> repository;
    private final Clock clock;

    /**
     * @param snapshots where snapshots go; {@code null} for none (every load replays from the first event)
     * @param clock the source of command instants
     */
    public OrderService(EventStore store, @Nullable SnapshotStore snapshots, Clock clock) {
        this(store, snapshots, clock, SNAPSHOT_POLICY);
    }

    /**
     * @param policy when commands write snapshots; {@link SnapshotPolicy#never()} when a separate snapshot service
     *     ({@link OrderSnapshotService}, the {@code snapshots} role) writes them and this service only loads them
     */
    public OrderService(EventStore store, @Nullable SnapshotStore snapshots, Clock clock, SnapshotPolicy policy) {
        this.store = Objects.requireNonNull(store);
        this.clock = Objects.requireNonNull(clock);
        this.repository = AggregateRepository.builder(store, OrderDecider.INSTANCE, OrderEvents.REGISTRY, STATE_CODEC)
                .upcasters(OrderEvents.UPCASTERS)
                .snapshots(snapshots, policy)
                .cacheStates(CACHED_ORDERS)
                .build();
    }

    /**
     * Who sends a command.
     *
     * @param userId the acting user ({@code X-User-Id}), if known
     * @param correlationId ties the events to the request ({@code X-Correlation-Id})
     */
    public record Caller(@Nullable String userId, String correlationId) {
        public Caller {
            Objects.requireNonNull(correlationId, "correlationId");
        }
    }

    /**
     * Handles a command built for the current instant.
     *
     * @param command builds the command for an instant (called again with a later one if the order's last event is
     *     later than the first, which only concurrent writers cause)
     * @param expected if given, the order must be at this version
     * @throws dev.hindsight.orders.decider.OrderRejected if the rules refuse it
     * @throws dev.hindsight.core.WrongExpectedVersionException on a version conflict
     * @throws dev.hindsight.core.InvalidRequestException on malformed input
     */
    public CommandResult<OrderState, OrderEvent> handle(
            String orderId,
            Function<Instant, OrderCommand> command,
            @Nullable ExpectedVersion expected,
            Caller caller) {
        Instant at = now();
        for (int attempt = 1; ; attempt++) {
            try {
                OrderCommand c = command.apply(at);
                String subject = subjectOf(orderId, c);
                CommandResult<OrderState, OrderEvent> done =
                        repository.handle(orderId, c, expected, metadata(at, caller, subject));
                if (subject != null && Objects.requireNonNull(store.shredder()).isForgotten(subject)) {
                    // a forgotten customer's order (maybe forgotten while this command ran): the store erased the
                    // events' personal fields, but the state cached after the append holds them as decided
                    repository.evictCachedState(orderId);
                }
                return done;
            } catch (TimestampOrderException e) {
                if (attempt > TIMESTAMP_RETRIES) {
                    throw e;
                }
                Instant last = repository.load(orderId).timestamp();
                Instant now = now();
                at = last != null && last.isAfter(now) ? last : now;
            }
        }
    }

    /**
     * The order's customer when the store shreds personal fields: from the command that creates the order, else from
     * the order's current state (usually cached); null without a shredder or for an unknown order.
     */
    private @Nullable String subjectOf(String orderId, OrderCommand c) {
        if (store.shredder() == null) {
            return null;
        }
        if (c instanceof dev.hindsight.orders.command.CreateOrder create) {
            return create.userId();
        }
        String user = repository.load(orderId).state().userId();
        return user.isEmpty() ? null : user;
    }

    /** Forgets cached order states (after a subject was forgotten: they hold its fields decrypted). */
    public void clearCachedStates() {
        repository.clearCachedStates();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * {@code {"timestamp", "user_id"?, "correlation_id"}}, written directly: this runs once per command, and building
     * a tree to serialize it cost as much as deciding the command (the store canonicalizes it anyway).
     */
    static String metadata(Instant at, Caller caller) {
        return metadata(at, caller, null);
    }

    /**
     * As {@link #metadata(Instant, Caller)}, plus {@code subject} when given: the order's customer, whose key encrypts
     * the events' personal fields (the store removes it before storing: see {@link OrderPrivacy}).
     */
    static String metadata(Instant at, Caller caller, @Nullable String subject) {
        StringBuilder m =
                new StringBuilder(128).append("{\"timestamp\":\"").append(at).append('"');
        if (subject != null) {
            JSON_TEXT.quoteAsString(subject, m.append(",\"subject\":\""));
            m.append('"');
        }
        if (caller.userId() != null) {
            JSON_TEXT.quoteAsString(caller.userId(), m.append(",\"user_id\":\""));
            m.append('"');
        }
        JSON_TEXT.quoteAsString(caller.correlationId(), m.append(",\"correlation_id\":\""));
        return m.append("\"}").toString();
    }

    /** The current state (version 0: no such order). */
    public Loaded<OrderState> load(String orderId) {
        return repository.load(orderId);
    }

    /** {@code state} after {@code event}, one of its order's events (the snapshot service follows the log this way). */
    public OrderState apply(OrderState state, RecordedEvent event) {
        return repository.apply(state, event);
    }

    /**
     * The order's state as recently seen by this service (from its cache, without a read; possibly older than the
     * stored one), else as loaded now. For what never changes once an order exists, such as its currency.
     */
    public OrderState recentState(String orderId) {
        OrderState cached = repository.cachedState(orderId);
        return cached != null ? cached : repository.load(orderId).state();
    }

    /** The state after event {@code version} (the current one if the order has fewer events). */
    public Loaded<OrderState> loadAtVersion(String orderId, long version) {
        return repository.loadAtVersion(orderId, version);
    }

    /** The state after the last event at or before {@code asOf}. */
    public Loaded<OrderState> loadAsOf(String orderId, Instant asOf) {
        return repository.loadAsOf(orderId, asOf);
    }

    /** Every event of an order, upcast, oldest first (the audit trail). */
    public List<RecordedEvent> history(String orderId) {
        return OrderEvents.UPCASTERS.upcastAll(store.read(orderId).events());
    }

    /** Snapshot and retry counters. */
    public AggregateRepository.Stats stats() {
        return repository.stats();
    }

    /** Waits for background snapshot writes (tests, shutdown). */
    public void awaitSnapshots() throws InterruptedException {
        repository.awaitSnapshots();
    }

    @Override
    public void close() {
        repository.close();
    }
}
