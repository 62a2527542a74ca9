package dev.hindsight.core;

import dev.hindsight.core.internal.AppendSpans;
import dev.hindsight.core.internal.EventValidator;
import dev.hindsight.core.internal.SubscriptionWorker;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedAppend;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The user API of an event store: validated appends, aggregate and global reads, as-of reads and subscriptions, over
 * any {@link EventLog} engine. With a {@link Shredder} ({@link Builder#shredder}) personal fields are encrypted on every
 * append and decrypted on every read (a forgotten subject's read as {@value Shredder#ERASED}); the engine only ever
 * sees them encrypted. Thread-safe.
 */
public final class EventStore implements AutoCloseable {
    private static final int MAX_PAGE = 10_000;

    private final EventLog log;
    private final StoreLimits limits;
    private final EventValidator validator;
    private final Tracing tracing;
    private final @Nullable Shredder shredder;
    private final AtomicLong subscriptionIds = new AtomicLong();
    private final java.util.Set<Subscription> subscriptions = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EventStore(
            EventLog log,
            StoreLimits limits,
            Clock clock,
            Supplier<UUID> ids,
            Tracing tracing,
            @Nullable Shredder shredder) {
        this.log = log;
        this.shredder = shredder;
        this.limits = limits;
        this.tracing = tracing;
        this.validator = new EventValidator(limits, clock, ids);
    }

    /** A store over {@code log} with default limits, the system UTC clock and the engine's preferred event ids. */
    public static EventStore of(EventLog log) {
        return builder(log).build();
    }

    public static Builder builder(EventLog log) {
        return new Builder(log);
    }

    /** The size limits appends are checked against. */
    public StoreLimits limits() {
        return limits;
    }

    /** Where this store's spans go, and those of the repositories, projections and server built over it. */
    public Tracing tracing() {
        return tracing;
    }

    /** The crypto-shredder, or {@code null} when personal fields are stored as given. */
    public @Nullable Shredder shredder() {
        return shredder;
    }

    /** The engine underneath: it returns personal fields encrypted (see {@link #shredder()}). */
    public EventLog log() {
        return log;
    }

    /**
     * Appends events to an aggregate, atomically.
     *
     * @throws InvalidRequestException on malformed input (nothing is stored)
     * @throws SizeLimitExceededException over the size limits (nothing is stored)
     * @throws WrongExpectedVersionException if the aggregate is not at {@code expected}
     * @throws DuplicateEventIdException if an event id is already stored with other content
     * @throws TimestampOrderException if a timestamp is before the aggregate's last event
     */
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<EventData> events) {
        Objects.requireNonNull(expected, "expected");
        List<ProposedEvent> valid = protect(validator.validate(aggregateId, events));
        return AppendSpans.append(tracing, aggregateId, valid, () -> log.append(aggregateId, expected, valid));
    }

    /**
     * {@link #append(String, ExpectedVersion, List)} without waiting: the future completes once the events are durable
     * and visible, or exceptionally with the exception {@code append} would have thrown (a malformed or oversized
     * append too: this method throws only on a null {@code expected}). On the file engine it completes on the engine's
     * acknowledgement thread, so dependent actions must not block (or must be given an executor); other engines
     * append on the calling thread and return a completed future. With tracing on, the append runs on the calling
     * thread inside its {@code eventstore.append} span, as {@code append} does, and the future is completed on return.
     */
    public CompletableFuture<AppendResult> appendAsync(
            String aggregateId, ExpectedVersion expected, List<EventData> events) {
        Objects.requireNonNull(expected, "expected");
        try {
            if (tracing.enabled()) {
                return CompletableFuture.completedFuture(append(aggregateId, expected, events));
            }
            return log.appendAsync(aggregateId, expected, protect(validator.validate(aggregateId, events)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Whether {@link #appendAsync} never blocks the calling thread: the engine only hands the append over
     * ({@link EventLog#appendAsyncNeverBlocks}), tracing is off (with it the append runs on the calling thread) and
     * there is no crypto-shredder (which may read or create a subject's key). Validation runs on the calling thread
     * either way.
     */
    public boolean appendAsyncNeverBlocks() {
        return !tracing.enabled() && shredder == null && log.appendAsyncNeverBlocks();
    }

    /** Appends one event; see {@link #append(String, ExpectedVersion, List)}. */
    public AppendResult append(String aggregateId, ExpectedVersion expected, EventData event) {
        return append(aggregateId, expected, List.of(event));
    }

    /**
     * Many independent appends in one call, each atomic on its own with its own expected version, as if each were
     * made with {@link #append}: one that is malformed or rejected gets its error in its own outcome and never
     * affects the others; appends of the same aggregate are judged in list order. The engine gets the valid ones as
     * one batch (the file engine hands them to its writer at once, so a batch of many aggregates costs one durable
     * write). This is what {@code POST /api/appends} runs.
     *
     * @return one outcome per append, in list order
     */
    public List<AppendOutcome> appendAll(List<Append> appends) {
        AppendOutcome[] out = new AppendOutcome[appends.size()];
        List<ProposedAppend> valid = new ArrayList<>(appends.size());
        int[] at = new int[appends.size()];
        for (int i = 0; i < appends.size(); i++) {
            Append a = appends.get(i);
            try {
                valid.add(new ProposedAppend(
                        a.aggregateId(), a.expected(), protect(validator.validate(a.aggregateId(), a.events()))));
                at[valid.size() - 1] = i;
            } catch (RuntimeException e) {
                out[i] = AppendOutcome.failed(e);
            }
        }
        if (!valid.isEmpty()) {
            List<AppendOutcome> done = AppendSpans.appendAll(tracing, valid, () -> log.appendAll(valid));
            for (int j = 0; j < done.size(); j++) {
                out[at[j]] = done.get(j);
            }
        }
        return java.util.Arrays.asList(out);
    }

    /**
     * Reads a page of an aggregate.
     *
     * @param fromVersion forward: first version returned (≥ 1); backward: highest version returned
     *     ({@code Long.MAX_VALUE} for the end)
     * @param limit 1–10,000
     * @throws InvalidRequestException on a bad id, version or limit
     */
    public AggregateSlice read(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        EventValidator.validateAggregateId(aggregateId);
        checkLimit(limit);
        if (fromVersion < 1) {
            throw new InvalidRequestException("from_version must be >= 1");
        }
        List<RecordedEvent> events = reveal(log.readAggregate(aggregateId, fromVersion, limit, direction));
        long version = versionFrom(events, fromVersion, limit, direction);
        return new AggregateSlice(aggregateId, version >= 0 ? version : log.aggregateVersion(aggregateId), events);
    }

    /**
     * A page of an aggregate's events without its current version: one read of the engine where {@link #read(String,
     * long, int, ReadDirection)} may need two. For replays, which learn the version from the events.
     *
     * @throws InvalidRequestException on a bad id, version or limit
     */
    public List<RecordedEvent> readEvents(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        EventValidator.validateAggregateId(aggregateId);
        checkLimit(limit);
        if (fromVersion < 1) {
            throw new InvalidRequestException("from_version must be >= 1");
        }
        return reveal(log.readAggregate(aggregateId, fromVersion, limit, direction));
    }

    /**
     * The aggregate's version when the page itself proves it, else -1. Every engine reads a page from one consistent
     * view, and versions are contiguous: a non-empty forward page shorter than its limit ends at the aggregate's last
     * event, and a backward page from the end starts there.
     */
    static long versionFrom(List<RecordedEvent> page, long fromVersion, int limit, ReadDirection direction) {
        if (page.isEmpty()) {
            return -1;
        }
        return switch (direction) {
            case FORWARD -> page.size() < limit ? page.getLast().version() : -1;
            case BACKWARD -> fromVersion == Long.MAX_VALUE ? page.getFirst().version() : -1;
        };
    }

    /** Reads a whole aggregate forwards. */
    public AggregateSlice read(String aggregateId) {
        EventValidator.validateAggregateId(aggregateId);
        List<RecordedEvent> all = new ArrayList<>();
        long from = 1;
        while (true) {
            List<RecordedEvent> page = log.readAggregate(aggregateId, from, MAX_PAGE, ReadDirection.FORWARD);
            all.addAll(reveal(page));
            if (page.size() < MAX_PAGE) {
                break;
            }
            from = page.getLast().version() + 1;
        }
        return new AggregateSlice(aggregateId, all.isEmpty() ? 0 : all.getLast().version(), all);
    }

    /**
     * Reads an aggregate as it was at {@code asOf}: its events whose {@code metadata.timestamp} ≤ {@code asOf}, forwards
     * from {@code fromVersion}. Timestamps never decrease within an aggregate, so these form a prefix. The slice's
     * version is the aggregate's version at that instant.
     */
    public AggregateSlice readAsOf(String aggregateId, Instant asOf, long fromVersion, int limit) {
        EventValidator.validateAggregateId(aggregateId);
        checkLimit(limit);
        List<RecordedEvent> out = new ArrayList<>();
        long versionAtInstant = 0;
        long from = Math.max(1, fromVersion);
        scan:
        while (true) {
            List<RecordedEvent> page = log.readAggregate(aggregateId, from, MAX_PAGE, ReadDirection.FORWARD);
            for (RecordedEvent e : page) {
                if (e.timestamp().isAfter(asOf)) {
                    break scan;
                }
                versionAtInstant = e.version();
                if (out.size() < limit) {
                    out.add(shredder == null ? e : shredder.reveal(e));
                }
            }
            if (page.size() < MAX_PAGE) {
                break;
            }
            from = page.getLast().version() + 1;
        }
        if (versionAtInstant == 0 && fromVersion > 1) {
            versionAtInstant = countUpTo(aggregateId, asOf);
        }
        return new AggregateSlice(aggregateId, versionAtInstant, out);
    }

    private long countUpTo(String aggregateId, Instant asOf) {
        return readAsOf(aggregateId, asOf, 1, 1).version();
    }

    /**
     * Reads the global log after a cursor.
     *
     * @param limit 1–10,000
     */
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        checkLimit(limit);
        GlobalSlice slice = log.readAll(after, limit, filter);
        return shredder == null ? slice : new GlobalSlice(shredder.reveal(slice.events()), slice.next());
    }

    /**
     * As {@link #readAll}, but with personal fields as stored: encrypted when the store shreds (see
     * {@link #shredder()}). For exports, which then carry no personal value in clear and are erased by a forget too.
     */
    public GlobalSlice readAllAsStored(Position after, int limit, EventFilter filter) {
        checkLimit(limit);
        return log.readAll(after, limit, filter);
    }

    /** Cursor after the last committed event. */
    public Position head() {
        return log.head();
    }

    /**
     * Subscribes to the global log: every matching event after {@code after}, in order, exactly once, first the stored
     * ones (catch-up) and then live ones as they commit. The handler runs on one virtual thread.
     */
    public Subscription subscribe(Position after, EventFilter filter, EventHandler handler) {
        SubscriptionWorker w = new SubscriptionWorker(
                log,
                after,
                filter,
                revealing(handler),
                Long.toString(subscriptionIds.incrementAndGet()),
                subscriptions::remove);
        subscriptions.add(w);
        return w.start();
    }

    /**
     * Waits until the log's head covers {@code position}.
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitPosition(Position position, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log.head().covers(position)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            log.awaitAfter(log.head(), Duration.ofNanos(left));
        }
        return true;
    }

    private List<ProposedEvent> protect(List<ProposedEvent> events) {
        return shredder == null
                ? events
                : events.stream().map(shredder::protect).toList();
    }

    private List<RecordedEvent> reveal(List<RecordedEvent> events) {
        return shredder == null ? events : shredder.reveal(events);
    }

    private EventHandler revealing(EventHandler handler) {
        Shredder s = shredder;
        return s == null ? handler : e -> handler.handle(s.reveal(e));
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
    }

    /** Stops every subscription, then closes the engine. */
    @Override
    public void close() {
        for (Subscription s : java.util.List.copyOf(subscriptions)) {
            s.close();
        }
        log.close();
    }

    /** Configures an {@link EventStore}. Not thread-safe. */
    public static final class Builder {
        private final EventLog log;
        private StoreLimits limits = StoreLimits.DEFAULT;
        private Clock clock = Clock.systemUTC();
        private @Nullable Supplier<UUID> ids;
        private Tracing tracing = Tracing.global();
        private @Nullable Shredder shredder;

        private Builder(EventLog log) {
            this.log = Objects.requireNonNull(log, "log");
        }

        public Builder limits(StoreLimits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder idSupplier(Supplier<UUID> ids) {
            this.ids = Objects.requireNonNull(ids);
            return this;
        }

        /** Encrypts personal fields with {@code shredder} (null: stored as given, the default). */
        public Builder shredder(@Nullable Shredder shredder) {
            this.shredder = shredder;
            return this;
        }

        /** Where spans go; default {@link Tracing#global()}, which is off unless installed. */
        public Builder tracing(Tracing tracing) {
            this.tracing = Objects.requireNonNull(tracing);
            return this;
        }

        public EventStore build() {
            return new EventStore(log, limits, clock, ids != null ? ids : log.preferredIds(), tracing, shredder);
        }
    }
}
