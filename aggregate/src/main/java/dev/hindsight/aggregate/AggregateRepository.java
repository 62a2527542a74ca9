package dev.hindsight.aggregate;

import dev.hindsight.aggregate.internal.Batcher;
import dev.hindsight.aggregate.internal.LoadSpans;
import dev.hindsight.aggregate.internal.MetadataTimestamps;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Names;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads aggregates (latest usable snapshot + replay of later events through upcasters and {@link Decider#evolve}),
 * time travels (as of a version or an instant), and handles commands: load, decide, append with the loaded version as
 * expected version, and on a conflict reload and re-decide up to a bounded number of times. With a state cache, a
 * command on a cached aggregate is decided on the cached state and appended at the cached version without a read (the
 * append's version check verifies the cache), one on an uncached aggregate first as on a new one (version 0); anything
 * else falls back to the load. Snapshots are written after
 * the append is durable, in the background, in batches: the first waits {@code SNAPSHOT_LINGER} for others, and what
 * queued meanwhile goes to {@link SnapshotStore#saveAll} in one call (one round trip on PostgreSQL instead of one per
 * snapshot). A failed snapshot write is logged and counted and never fails a command. Thread-safe.
 *
 * @param <C> commands
 * @param <S> state
 * @param <E> events
 */
public final class AggregateRepository<C, S, E> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregateRepository.class);
    private static final int PAGE = 1000;
    /** How long the first snapshot of a background batch waits for others (they are derived data: nothing waits). */
    private static final Duration SNAPSHOT_LINGER = Duration.ofMillis(20);
    /** Most snapshots per background batch. */
    private static final int SNAPSHOT_BATCH = 256;
    /** How long {@link #close} waits for background snapshot writes (as {@link #awaitSnapshots}). */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(30);

    private final EventStore store;
    private final Decider<C, S, E> decider;
    private final EventTypeRegistry<E> registry;
    private final Upcasters upcasters;
    private final StateCodec<S> codec;
    private final @Nullable SnapshotStore snapshots;
    private final SnapshotPolicy policy;
    private final int maxRetries;
    private final @Nullable StateCache<S> cache;
    private final Batcher<PendingSnapshot<S>> snapshotWriter =
            new Batcher<>(this::writeSnapshots, SNAPSHOT_LINGER, SNAPSHOT_BATCH);
    private final AtomicLong snapshotsWritten = new AtomicLong();
    private final AtomicLong snapshotFailures = new AtomicLong();
    private final AtomicLong snapshotMismatches = new AtomicLong();
    private final AtomicLong conflictRetries = new AtomicLong();
    private final Duration closeGrace;

    private AggregateRepository(Builder<C, S, E> b) {
        this.store = b.store;
        this.decider = b.decider;
        this.registry = b.registry;
        this.closeGrace = b.closeGrace;
        this.upcasters = b.upcasters;
        this.codec = b.codec;
        this.snapshots = b.snapshots;
        this.policy = b.policy;
        this.maxRetries = b.maxRetries;
        this.cache = b.cachedStates > 0 ? new StateCache<>(b.cachedStates) : null;
    }

    public static <C, S, E> Builder<C, S, E> builder(
            EventStore store, Decider<C, S, E> decider, EventTypeRegistry<E> registry, StateCodec<S> codec) {
        return new Builder<>(store, decider, registry, codec);
    }

    /**
     * Counters since start.
     *
     * @param cacheHits current-state loads that started from the state cache (0 without a cache)
     * @param cacheMisses current-state loads that found nothing usable in it
     */
    public record Stats(
            long snapshotsWritten,
            long snapshotFailures,
            long snapshotMismatches,
            long conflictRetries,
            long cacheHits,
            long cacheMisses) {}

    public Stats stats() {
        return new Stats(
                snapshotsWritten.get(),
                snapshotFailures.get(),
                snapshotMismatches.get(),
                conflictRetries.get(),
                cache == null ? 0 : cache.hits(),
                cache == null ? 0 : cache.misses());
    }

    /** Empties the state cache (when states it holds became stale, e.g. a subject's personal fields were erased). */
    public void clearCachedStates() {
        if (cache != null) {
            cache.clear();
        }
    }

    /**
     * Drops one aggregate's cached state, so that its next load reads the store (when the state cached after a command
     * differs from what was stored, e.g. personal fields the store erased on the way in).
     */
    public void evictCachedState(String aggregateId) {
        if (cache != null) {
            cache.remove(aggregateId);
        }
    }

    /** The current state. */
    public Loaded<S> load(String aggregateId) {
        return LoadSpans.load(store.tracing(), aggregateId, () -> loadCurrent(aggregateId));
    }

    private Loaded<S> loadCurrent(String aggregateId) {
        if (cache != null) {
            Names.checkAggregateId(aggregateId);
            StateCache.Entry<S> cached = cache.get(aggregateId);
            if (cached != null) {
                Loaded<S> loaded = loadFrom(aggregateId, cached);
                if (loaded != null) {
                    return loaded;
                }
            }
        }
        Loaded<S> loaded = load(aggregateId, Long.MAX_VALUE, null);
        if (cache != null && loaded.exists()) {
            cache.put(aggregateId, loaded.state(), loaded.version());
        }
        return loaded;
    }

    /**
     * The cached state, without asking the store whether it is still current: for callers that only need what never
     * changes once set (an order's currency) or can live with a stale answer. {@code null} without a cache or when the
     * aggregate is not cached (then {@link #load}); never a state the aggregate did not have.
     */
    public @Nullable S cachedState(String aggregateId) {
        if (cache == null) {
            return null;
        }
        StateCache.Entry<S> e = cache.peek(aggregateId);
        return e == null ? null : e.state();
    }

    /** The state after event {@code version} (or the current state if the aggregate has fewer events). */
    public Loaded<S> loadAtVersion(String aggregateId, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0");
        }
        return LoadSpans.load(store.tracing(), aggregateId, () -> load(aggregateId, version, null));
    }

    /**
     * {@code state} after one more event, as a load would apply it (through the upcasters): for consumers that follow
     * the log and keep states of their own (the snapshot service), so that they need not load for every event.
     */
    public S apply(S state, RecordedEvent event) {
        S out = state;
        for (RecordedEvent u : upcasters.upcast(Objects.requireNonNull(event))) {
            out = decider.evolve(out, registry.fromRecorded(u));
        }
        return out;
    }

    /** The state after the last event whose {@code metadata.timestamp} ≤ {@code asOf}. */
    public Loaded<S> loadAsOf(String aggregateId, Instant asOf) {
        Objects.requireNonNull(asOf);
        return LoadSpans.load(store.tracing(), aggregateId, () -> load(aggregateId, Long.MAX_VALUE, asOf));
    }

    /**
     * The current state from a cached state: re-reads the cached version's event (for its position and timestamp
     * only) and applies the later ones. {@code null} if the cached version is not readable as expected (then the
     * caller loads without the cache).
     */
    private @Nullable Loaded<S> loadFrom(String aggregateId, StateCache.Entry<S> cached) {
        Replay<S> r = new Replay<>(cached.state(), cached.version(), null, null);
        if (!replay(aggregateId, r, Long.MAX_VALUE, null, true) || r.position == null) {
            Objects.requireNonNull(cache).remove(aggregateId);
            return null;
        }
        Objects.requireNonNull(cache).hit();
        if (r.replayed > 0) {
            cache.put(aggregateId, r.state, r.version);
        }
        return new Loaded<>(aggregateId, r.state, r.version, r.position, r.timestamp, cached.version(), r.replayed);
    }

    private Loaded<S> load(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        Names.checkAggregateId(aggregateId);
        Replay<S> r = new Replay<>(decider.initialState(), 0, null, null);
        Snapshot snap = chooseSnapshot(aggregateId, maxVersion, asOf);
        if (snap != null) {
            r = new Replay<>(codec.read(snap.state()), snap.version(), null, snap.timestamp());
        }
        long fromSnapshot = r.version;
        if (!replay(aggregateId, r, maxVersion, asOf, false)) {
            throw new IllegalStateException(
                    "the events of " + aggregateId + " are not contiguous after version " + r.version);
        }
        return new Loaded<>(aggregateId, r.state, r.version, r.position, r.timestamp, fromSnapshot, r.replayed);
    }

    /** A replay in progress: the state after event {@code version}. */
    private static final class Replay<S> {
        S state;
        long version;

        @Nullable
        Position position;

        @Nullable
        Instant timestamp;

        long replayed;

        Replay(S state, long version, @Nullable Position position, @Nullable Instant timestamp) {
            this.state = state;
            this.version = version;
            this.position = position;
            this.timestamp = timestamp;
        }
    }

    /**
     * Applies the events after {@code r.version} (through the upcasters) up to {@code maxVersion} and, if given, the
     * last one with a timestamp ≤ {@code asOf}. With {@code reread}, the event at {@code r.version} is read too, for
     * its position and timestamp only. {@code false} if an expected version is missing.
     */
    private boolean replay(String aggregateId, Replay<S> r, long maxVersion, @Nullable Instant asOf, boolean reread) {
        long known = reread ? r.version : -1;
        long from = reread ? r.version : r.version + 1;
        while (from <= maxVersion) {
            List<RecordedEvent> page = store.readEvents(aggregateId, from, PAGE, ReadDirection.FORWARD);
            for (RecordedEvent e : page) {
                if (e.version() == known) {
                    r.position = e.position();
                    r.timestamp = e.timestamp();
                    continue;
                }
                if (e.version() > maxVersion || (asOf != null && e.timestamp().isAfter(asOf))) {
                    return true;
                }
                if (e.version() != r.version + 1 || (reread && r.position == null)) {
                    return false;
                }
                for (RecordedEvent u : upcasters.upcast(e)) {
                    r.state = decider.evolve(r.state, registry.fromRecorded(u));
                }
                r.version = e.version();
                r.position = e.position();
                r.timestamp = e.timestamp();
                r.replayed++;
            }
            if (page.size() < PAGE) {
                return true;
            }
            from = page.getLast().version() + 1;
        }
        return true;
    }

    /**
     * The newest usable snapshot at or before the target: asks the store for just that one; only if its state schema
     * does not match the running code (counted) does it look through all kept snapshots for an older usable one.
     */
    private @Nullable Snapshot chooseSnapshot(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        if (snapshots == null) {
            return null;
        }
        try {
            Snapshot latest = snapshots.latest(aggregateId, maxVersion, asOf);
            if (latest == null || latest.stateSchema().equals(codec.fingerprint())) {
                return latest;
            }
            for (Snapshot s : snapshots.snapshots(aggregateId)) {
                if (s.version() > maxVersion || (asOf != null && s.timestamp().isAfter(asOf))) {
                    continue;
                }
                if (!s.stateSchema().equals(codec.fingerprint())) {
                    snapshotMismatches.incrementAndGet();
                    continue;
                }
                return s;
            }
            return null;
        } catch (RuntimeException e) {
            snapshotFailures.incrementAndGet();
            LOG.warn("cannot read snapshots of {}; replaying from the start", aggregateId, e);
            return null;
        }
    }

    /** Handles a command with the system's default metadata and no caller-given expected version. */
    public CommandResult<S, E> handle(String aggregateId, C command) {
        return handle(aggregateId, command, null, null);
    }

    /**
     * Handles a command.
     *
     * @param expected if given, the append must find the aggregate at this version (no retries on conflict); if
     *     {@code null}, the loaded version is expected and conflicts are retried
     * @param metadata JSON object text for every produced event, or {@code null}
     * @throws WrongExpectedVersionException if {@code expected} does not match, or conflicts persist after the
     *     configured number of retries
     */
    public CommandResult<S, E> handle(
            String aggregateId, C command, @Nullable ExpectedVersion expected, @Nullable String metadata) {
        if (cache != null) {
            Names.checkAggregateId(aggregateId);
            StateCache.Entry<S> cached = cache.peek(aggregateId);
            if (cached == null) {
                // not cached: maybe a new aggregate (a creating command); its first events are tried as such
                cached = new StateCache.Entry<>(decider.initialState(), 0);
            }
            if (expected == null || expected.matches(cached.version())) {
                CommandResult<S, E> done = handleCached(aggregateId, command, cached, metadata);
                if (done != null) {
                    return done;
                }
            }
        }
        WrongExpectedVersionException last = null;
        for (int attempt = 1; attempt <= maxRetries + 1; attempt++) {
            Loaded<S> loaded = load(aggregateId);
            if (expected != null && !expected.matches(loaded.version())) {
                throw new WrongExpectedVersionException(aggregateId, expected, loaded.version());
            }
            List<E> events = decider.decide(command, loaded.state());
            if (events.isEmpty()) {
                return new CommandResult<>(
                        aggregateId, loaded.state(), loaded.version(), loaded.position(), events, attempt);
            }
            List<EventData> data = eventData(events, metadata);
            AppendResult result;
            try {
                result = store.append(aggregateId, ExpectedVersion.exact(loaded.version()), data);
            } catch (WrongExpectedVersionException conflict) {
                if (expected != null) {
                    throw conflict;
                }
                last = conflict;
                conflictRetries.incrementAndGet();
                continue;
            }
            return appended(aggregateId, loaded.state(), loaded.version(), events, data, result, attempt);
        }
        throw Objects.requireNonNull(last);
    }

    /**
     * The command decided on the cached state and appended with the cached version as expected version, without
     * reading the store first: the append's version check is what verifies the cache (a store that holds a later
     * event refuses it). One round trip instead of two for a command on a recently used aggregate. An aggregate that
     * is not cached is tried as a new one (the initial state at version 0): a creating command then costs one round
     * trip instead of three (snapshot, events, append); a command on an existing aggregate that is not cached is
     * usually refused by the decider on the initial state, and otherwise by the append, before the load. {@code null} when
     * the cached state cannot settle it alone, and {@link #handle} then loads and decides as without a cache: the append
     * met a later version or a later timestamp (another writer), the decider refused the command or produced nothing
     * (both answers must come from the stored state, and an empty answer needs the loaded position). Nothing was
     * appended when it returns {@code null}, so deciding again is safe; deciders are pure.
     */
    private @Nullable CommandResult<S, E> handleCached(
            String aggregateId, C command, StateCache.Entry<S> cached, @Nullable String metadata) {
        List<E> events;
        try {
            events = decider.decide(command, cached.state());
        } catch (RuntimeException refusedOnCachedState) {
            return null;
        }
        if (events.isEmpty()) {
            return null;
        }
        List<EventData> data = eventData(events, metadata);
        AppendResult result;
        try {
            result = store.append(aggregateId, ExpectedVersion.exact(cached.version()), data);
        } catch (WrongExpectedVersionException | TimestampOrderException staleCache) {
            return null;
        }
        if (cached.version() > 0) {
            Objects.requireNonNull(cache).hit();
        }
        return appended(aggregateId, cached.state(), cached.version(), events, data, result, 1);
    }

    private List<EventData> eventData(List<E> events, @Nullable String metadata) {
        List<EventData> data = new ArrayList<>(events.size());
        for (E e : events) {
            data.add(registry.toEventData(e, null, metadata));
        }
        return data;
    }

    /** After a successful append of {@code events} on {@code state} at {@code version}: cache, snapshot, answer. */
    private CommandResult<S, E> appended(
            String aggregateId,
            S state,
            long version,
            List<E> events,
            List<EventData> data,
            AppendResult result,
            int attempt) {
        S after = state;
        for (E e : events) {
            after = decider.evolve(after, e);
        }
        if (cache != null) {
            cache.put(aggregateId, after, result.lastVersion());
        }
        if (snapshots != null && policy.shouldSnapshot(version, result.lastVersion(), data)) {
            scheduleSnapshot(
                    aggregateId,
                    after,
                    result.lastVersion(),
                    MetadataTimestamps.of(data.getLast().metadata()));
        }
        return new CommandResult<>(aggregateId, after, result.lastVersion(), result.position(), events, attempt);
    }

    /** A snapshot to write in the background; {@code timestamp}: its event's, or {@code null} to read it. */
    private record PendingSnapshot<S>(
            String aggregateId,
            S state,
            long version,
            @Nullable Instant timestamp) {}

    private void scheduleSnapshot(String aggregateId, S state, long version, @Nullable Instant timestamp) {
        if (!snapshotWriter.offer(new PendingSnapshot<>(aggregateId, state, version, timestamp))) {
            snapshotFailures.incrementAndGet();
        }
    }

    /**
     * Writes a background batch in one {@link SnapshotStore#saveAll}; a snapshot that cannot be built fails alone, a
     * failed write fails the batch (each of its snapshots counted).
     */
    private void writeSnapshots(List<PendingSnapshot<S>> batch) {
        SnapshotStore target = Objects.requireNonNull(snapshots);
        List<Snapshot> built = new ArrayList<>(batch.size());
        for (PendingSnapshot<S> p : batch) {
            try {
                built.add(snapshot(p.aggregateId(), p.state(), p.version(), p.timestamp()));
            } catch (RuntimeException e) {
                snapshotFailures.incrementAndGet();
                LOG.warn("snapshot of {} at version {} failed", p.aggregateId(), p.version(), e);
            }
        }
        if (built.isEmpty()) {
            return;
        }
        try {
            target.saveAll(built);
            snapshotsWritten.addAndGet(built.size());
        } catch (RuntimeException e) {
            snapshotFailures.addAndGet(built.size());
            LOG.warn(
                    "{} snapshot(s) failed, of {} at version {} and others",
                    built.size(),
                    built.getFirst().aggregateId(),
                    built.getFirst().version(),
                    e);
        }
    }

    private Snapshot snapshot(String aggregateId, S state, long version, @Nullable Instant timestamp) {
        Instant at = timestamp != null ? timestamp : storedTimestamp(aggregateId, version);
        return new Snapshot(aggregateId, version, at, codec.fingerprint(), codec.write(state));
    }

    /** Writes a snapshot of {@code state} at {@code version} now (also used by tools and tests). */
    public void writeSnapshot(SnapshotStore target, String aggregateId, S state, long version) {
        writeSnapshot(target, aggregateId, state, version, null);
    }

    /**
     * As {@link #writeSnapshot(SnapshotStore, String, Object, long)}; {@code timestamp} is event {@code version}'s
     * {@code metadata.timestamp} when the caller knows it for certain (it appended the event with that metadata), which
     * saves reading the event back; {@code null}: read it.
     */
    private void writeSnapshot(
            SnapshotStore target, String aggregateId, S state, long version, @Nullable Instant timestamp) {
        try {
            target.save(snapshot(aggregateId, state, version, timestamp));
            snapshotsWritten.incrementAndGet();
        } catch (RuntimeException e) {
            snapshotFailures.incrementAndGet();
            LOG.warn("snapshot of {} at version {} failed", aggregateId, version, e);
        }
    }

    private Instant storedTimestamp(String aggregateId, long version) {
        List<RecordedEvent> at =
                store.read(aggregateId, version, 1, ReadDirection.FORWARD).events();
        if (at.isEmpty() || at.getFirst().version() != version) {
            throw new IllegalStateException("event " + version + " of " + aggregateId + " is not readable");
        }
        return at.getFirst().timestamp();
    }

    /** Waits for background snapshot writes to finish (for tests and shutdown). */
    public void awaitSnapshots() throws InterruptedException {
        snapshotWriter.shutdown(Duration.ofSeconds(30));
    }

    /**
     * Takes no more snapshots and waits up to 30 s for the queued ones to be written; then gives up on them (a write
     * that hangs, on a database that stopped answering, is interrupted and what is still queued is dropped, with a
     * warning: snapshots are derived data, loads replay the events instead).
     */
    @Override
    public void close() {
        int dropped = snapshotWriter.close(closeGrace);
        if (dropped >= 0) {
            snapshotFailures.addAndGet(dropped);
            LOG.warn(
                    "background snapshot writes did not finish within {}: the write in progress is interrupted and {}"
                            + " queued snapshot(s) dropped",
                    closeGrace,
                    dropped);
        }
    }

    /** Configures an {@link AggregateRepository}. Not thread-safe. */
    public static final class Builder<C, S, E> {
        private final EventStore store;
        private final Decider<C, S, E> decider;
        private final EventTypeRegistry<E> registry;
        private final StateCodec<S> codec;
        private Upcasters upcasters = Upcasters.none();
        private @Nullable SnapshotStore snapshots;
        private SnapshotPolicy policy = SnapshotPolicy.defaultPolicy();
        private int maxRetries = 10;
        private int cachedStates;
        private Duration closeGrace = CLOSE_GRACE;

        private Builder(
                EventStore store, Decider<C, S, E> decider, EventTypeRegistry<E> registry, StateCodec<S> codec) {
            this.store = Objects.requireNonNull(store);
            this.decider = Objects.requireNonNull(decider);
            this.registry = Objects.requireNonNull(registry);
            this.codec = Objects.requireNonNull(codec);
        }

        public Builder<C, S, E> upcasters(Upcasters upcasters) {
            this.upcasters = Objects.requireNonNull(upcasters);
            return this;
        }

        public Builder<C, S, E> snapshots(@Nullable SnapshotStore snapshots, SnapshotPolicy policy) {
            this.snapshots = snapshots;
            this.policy = Objects.requireNonNull(policy);
            return this;
        }

        /** Conflict retries when no expected version is given; default 10. */
        public Builder<C, S, E> maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0");
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Keeps the current state of up to {@code aggregates} recently used aggregates in memory (least recently used
         * out first), so that loading the current state only reads and applies the events appended since: a command
         * on a hot aggregate then decodes no event and reads no snapshot. Time travel never uses the cache. Relies on
         * the {@link Decider} contract that states are immutable. Default 0: no cache.
         */
        public Builder<C, S, E> cacheStates(int aggregates) {
            if (aggregates < 0) {
                throw new IllegalArgumentException("aggregates must be >= 0");
            }
            this.cachedStates = aggregates;
            return this;
        }

        /** How long {@link AggregateRepository#close} waits for background snapshot writes (tests). */
        Builder<C, S, E> closeGrace(Duration grace) {
            this.closeGrace = Objects.requireNonNull(grace);
            return this;
        }

        public AggregateRepository<C, S, E> build() {
            return new AggregateRepository<>(this);
        }
    }
}
