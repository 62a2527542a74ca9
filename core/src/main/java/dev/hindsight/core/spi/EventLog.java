package dev.hindsight.core.spi;

import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventIds;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.internal.ConcurrentAppends;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A storage engine: the raw, append-only log of events. Implementations are thread-safe.
 *
 * <p>Guarantees every engine gives (the conformance suite in {@code testkit} checks each):
 *
 * <ol>
 *   <li>{@link #append} is atomic: all events of the call or none, with the expected version checked atomically;
 *   <li>per aggregate, versions are contiguous from 1;
 *   <li>an append whose event ids are all already stored with the same content (at the same aggregate) succeeds
 *       again with the original result and stores nothing; an id stored with other content is rejected;
 *   <li>once {@code append} returns, the events are durable (per the engine's configured durability) and visible;
 *   <li>{@link #readAll} after a position returns committed events in position order with no gaps: an event that
 *       commits later never has a position at or before one already returned.
 * </ol>
 */
public interface EventLog extends AutoCloseable {

    /**
     * Appends events to one aggregate.
     *
     * @param aggregateId the aggregate; every event's {@code aggregateId} equals it
     * @param expected the expected version
     * @param events one or more validated events
     * @return versions and position of the stored (or previously stored, on an idempotent retry) events
     * @throws dev.hindsight.core.WrongExpectedVersionException on a version conflict
     * @throws dev.hindsight.core.DuplicateEventIdException if an event id is stored with different content
     * @throws dev.hindsight.core.TimestampOrderException if a timestamp is before the aggregate's last one
     * @throws dev.hindsight.core.StoreUnavailableException if the write cannot be made durable now
     */
    AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events);

    /**
     * {@link #append}, without a thread waiting for the durable write: the future completes once the events are
     * durable (per the engine's configured durability) and visible, or exceptionally with the exception {@link #append}
     * would have thrown. Dependent actions that are not given an executor may run on an engine thread, so they must not
     * block. Cancelling the future does not cancel the append. Engines whose writer acknowledges from a thread of its
     * own override this; the default runs {@link #append} on the calling thread and returns a completed future.
     */
    default CompletableFuture<AppendResult> appendAsync(
            String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        try {
            return CompletableFuture.completedFuture(append(aggregateId, expected, events));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Whether {@link #appendAsync} only hands the append over and returns, without blocking the calling thread (no I/O,
     * no wait for a lock held across I/O): then a caller whose thread must never block, such as the HTTP server's
     * selector, may call it. Default {@code false} (the default {@link #appendAsync} appends on the calling thread).
     */
    default boolean appendAsyncNeverBlocks() {
        return false;
    }

    /**
     * Many independent appends, each atomic on its own with its own expected version: one rejected append never
     * affects the others, and appends of the same aggregate are judged in list order (each sees the ones before it).
     * Engines with a single writer override this to hand the whole batch over at once; the default runs each
     * aggregate's appends in order and different aggregates' at once.
     *
     * @return one outcome per append, in list order: its result, or the exception {@link #append} would have thrown
     */
    default List<AppendOutcome> appendAll(List<ProposedAppend> appends) {
        return ConcurrentAppends.run(this, appends);
    }

    /**
     * Reads one aggregate.
     *
     * @param fromVersion first version to return (forward) or the highest (backward); {@code Long.MAX_VALUE} with
     *     backward means "from the end"
     * @param limit maximum number of events, ≥ 1
     * @return the events, in the requested order; empty if none
     */
    List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection direction);

    /** The aggregate's current version: its number of events, 0 if it has none. */
    long aggregateVersion(String aggregateId);

    /**
     * Reads the global log. A page may be short, even empty, while the log goes on (callers read on from
     * {@code next}); in particular it stops once its events hold {@link PageBudget#BYTES} (at least one event is
     * returned when one follows {@code after}), and {@code next} is then right after its last event.
     *
     * @param after cursor: return events after it ({@link Position#START} for all)
     * @param limit maximum number of events returned, ≥ 1
     * @param filter which events to return; the returned {@code next} moves past skipped ones
     */
    GlobalSlice readAll(Position after, int limit, EventFilter filter);

    /** The start cursor of this log: before its first event. */
    default Position start() {
        return Position.START;
    }

    /** Cursor after the last committed event. */
    Position head();

    /**
     * Blocks until an event after {@code after} is committed, or the timeout passes, or the log closes.
     *
     * @return whether an event after {@code after} exists now
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitAfter(Position after, Duration timeout) throws InterruptedException;

    /**
     * The event ids this engine stores best, for stores that do not choose their own
     * ({@code EventStore.Builder.idSupplier}): random version 4 UUIDs ({@link dev.hindsight.core.EventIds#random()})
     * unless the engine says otherwise (the PostgreSQL engine prefers time-ordered ones, which append at the right
     * edge of its event-id index). Called once per store.
     */
    default Supplier<UUID> preferredIds() {
        return EventIds.random();
    }

    /**
     * How many events the log holds and the bytes they take, for {@code GET /api/storage}. May cost a scan on engines
     * that keep no count (PostgreSQL counts its rows); not for hot paths. Default: not measured.
     */
    default StorageUse storage() {
        return StorageUse.NOT_MEASURED;
    }

    /**
     * Why this log has stopped serving appends for good, if it has; empty while it serves. The file engine's writer
     * stops after a failure while publishing a durable write (ADR 0003) and only a reopen recovers it; {@code GET
     * /health} then answers 503 with this reason so that a supervisor restarts the process. Transient trouble (a
     * database that does not answer) is not reported here: it heals by itself. Cheap; called on every health check.
     */
    default Optional<String> stoppedReason() {
        return Optional.empty();
    }

    /** Whether positions form one total order across aggregates (false for partitioned engines). */
    default boolean totallyOrdered() {
        return true;
    }

    /** Releases files and connections; in-flight appends finish first. Idempotent. */
    @Override
    void close();
}
