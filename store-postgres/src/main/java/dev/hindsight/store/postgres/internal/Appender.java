package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.spi.AppendChecks;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.postgres.internal.AppendCall.Outcome;
import dev.hindsight.store.postgres.internal.AppendCall.Request;
import dev.hindsight.store.postgres.internal.AppendCall.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The append algorithm, with {@link AppendChecks}' rules in their order (idempotent retry, expected version,
 * timestamps).
 *
 * <p>The fast path is one round trip ({@link SingleAppend}, or {@link AppendCall} in a group-commit batch) that checks
 * the expected version and the timestamp order against the aggregate's last event under its advisory lock. Anything
 * else is resolved here and is rare: a rejected version first checks whether the events are
 * already stored (an idempotent retry returns the original result); an event id that is already stored does the same;
 * a store-assigned timestamp that would go backwards, or a batch whose own timestamps decrease, takes the locked path,
 * which takes the aggregate's lock, applies {@link AppendChecks} exactly as written to what is stored, and appends in
 * the same transaction.
 *
 * <p>Lost connections and deadlocks are retried (for the configured time): safe, because an append is idempotent by
 * event id, so a retry of an append that did commit returns its original result. Thread-safe.
 */
public final class Appender {
    /** Told of every append this process commits. */
    @FunctionalInterface
    public interface Committed {
        /**
         * @param position position of the append's last event
         * @param notified whether its transaction also sent the commit notification
         */
        void committed(long position, boolean notified);
    }

    /** Positions encode the event's index within its transaction in 20 bits. */
    public static final int MAX_EVENTS_PER_APPEND = 1 << 20;

    private static final int MAX_ATTEMPTS = 50;

    private final DataSource ds;
    private final SingleAppend single;
    private final AtomicInteger concurrent = new AtomicInteger();
    private final EventReader reader;
    private final ArchivedEvents archived;
    private final Retrying retrying;
    private final @Nullable GroupCommitter group;
    private final Committed committed;
    private final InlineHooks inline;
    private final String schema;
    private final String lockAggregate;

    /**
     * @param group the group committer, or {@code null} to run every append alone
     * @param committed told of every append this process commits
     * @param inline hooks run inside each append's transaction before it commits ({@link InlineHooks})
     */
    public Appender(
            DataSource ds,
            String schema,
            SingleAppend single,
            EventReader reader,
            ArchivedEvents archived,
            Retrying retrying,
            @Nullable GroupCommitter group,
            Committed committed,
            InlineHooks inline) {
        this.inline = inline;
        this.ds = ds;
        this.single = single;
        this.reader = reader;
        this.archived = archived;
        this.retrying = retrying;
        this.group = group;
        this.committed = committed;
        this.schema = schema;
        // Only the aggregate's lock here; the append statement takes the store's appender lock right before it writes.
        this.lockAggregate = "SELECT pg_advisory_xact_lock(hashtextextended(?, 1752066404))";
    }

    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        if (events.size() > MAX_EVENTS_PER_APPEND) {
            throw new SizeLimitExceededException(
                    "the PostgreSQL engine takes at most " + MAX_EVENTS_PER_APPEND + " events per append");
        }
        List<ProposedEvent> ordered;
        try {
            // Orders the batch among itself; the function compares its first event with the aggregate's last.
            ordered = AppendChecks.checkNewAppend(aggregateId, ExpectedVersion.ANY, 0, null, events);
        } catch (TimestampOrderException e) {
            return locked(aggregateId, expected, events);
        }
        Request request = new Request(aggregateId, expected, ordered);
        concurrent.incrementAndGet();
        try {
            return fastPath(aggregateId, expected, events, request);
        } finally {
            concurrent.decrementAndGet();
        }
    }

    private AppendResult fastPath(
            String aggregateId, ExpectedVersion expected, List<ProposedEvent> events, Request request) {
        // Group commit pays when appends overlap; a lone append goes straight to the database unless the committer
        // lingers, letting it share a transaction and WAL flush with an append that arrives just after it.
        boolean viaGroup = group != null && (concurrent.get() > 1 || group.lingers());
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Outcome o = viaGroup ? group.submit(request) : null;
            if (o == null) {
                viaGroup = false;
                o = alone(request);
            }
            switch (o.status()) {
                case APPENDED -> {
                    return appended(aggregateId, events.size(), o);
                }
                case WRONG_VERSION -> {
                    AppendResult retry = idempotentResult(events);
                    if (retry != null) {
                        return retry;
                    }
                    throw new WrongExpectedVersionException(aggregateId, expected, o.version());
                }
                case TIMESTAMP_BEFORE_LAST -> {
                    return locked(aggregateId, expected, events);
                }
                case DUPLICATE_ID -> {
                    AppendResult retry = idempotentResult(events);
                    if (retry != null) {
                        return retry;
                    }
                    rejectDeletedEvents(events);
                }
                case RETRY -> {
                    // not appended for no reason the checks name (defensive): try again
                }
            }
        }
        throw new StoreUnavailableException("append to '" + aggregateId + "' kept racing with concurrent appends");
    }

    private AppendResult appended(String aggregateId, int count, Outcome o) {
        committed.committed(o.position(), o.notified());
        return new AppendResult(aggregateId, o.version(), o.version() + count - 1, Position.of(o.position()));
    }

    /** One append in its own (autocommit) transaction. */
    private Outcome alone(Request request) {
        return retrying.run("append to '" + request.aggregateId() + "'", () -> {
            try (Connection c = ds.getConnection()) {
                try {
                    return inline.single(
                            c,
                            request,
                            () -> single.execute(c, request.aggregateId(), request.expected(), request.events()));
                } catch (SQLException e) {
                    Outcome taken = uniqueViolation(e);
                    if (taken == null) {
                        throw e;
                    }
                    return taken;
                }
            }
        });
    }

    /** A unique violation as an outcome: an event id already stored, or (defensively) a version already taken. */
    private static @Nullable Outcome uniqueViolation(SQLException e) {
        if (SqlErrors.isUniqueViolation(e, "event_ids")) {
            return new Outcome(Status.DUPLICATE_ID, 0, 0, null);
        }
        if (SqlErrors.isUniqueViolation(e, "events")) {
            return new Outcome(Status.RETRY, 0, 0, null);
        }
        return null;
    }

    /**
     * The exact path: takes the aggregate's lock, applies {@link AppendChecks} to what is stored, and appends in the
     * same transaction.
     */
    private AppendResult locked(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            AppendResult result =
                    retrying.run("append to '" + aggregateId + "'", () -> lockedOnce(aggregateId, expected, events));
            if (result != null) {
                return result;
            }
        }
        throw new StoreUnavailableException("append to '" + aggregateId + "' kept racing with concurrent appends");
    }

    private @Nullable AppendResult lockedOnce(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events)
            throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                // The aggregate's advisory lock serializes its appends (no row lock needed) and comes before anything
                // that assigns a transaction id (see SingleAppend).
                try (PreparedStatement ps = c.prepareStatement(lockAggregate)) {
                    ps.setString(1, SingleAppend.lockKey(schema, aggregateId));
                    ps.execute();
                }
                // Under the lock, a new snapshot (READ COMMITTED): the aggregate's last event as it is.
                EventReader.LastEvent last = reader.lastEvent(c, aggregateId);
                long version = last.version();
                Map<UUID, RecordedEvent> stored = storedByIds(c, ids(events));
                AppendResult retry = AppendChecks.idempotentResult(events, p -> stored.get(p.eventId()));
                if (retry != null) {
                    c.rollback();
                    return retry;
                }
                rejectDeletedIds(reader.deletedIds(c, ids(events)));
                List<ProposedEvent> accepted =
                        AppendChecks.checkNewAppend(aggregateId, expected, version, last.timestamp(), events);
                Outcome o;
                try {
                    o = single.execute(c, aggregateId, ExpectedVersion.exact(version), accepted);
                } catch (SQLException e) {
                    if (uniqueViolation(e) != null) {
                        // An id committed by a concurrent append after the lookup: resolve it on the next attempt.
                        c.rollback();
                        return null;
                    }
                    throw e;
                }
                if (o.status() != Status.APPENDED) {
                    c.rollback();
                    return null;
                }
                inline.beforeCommit(c, accepted, o);
                c.commit();
                return appended(aggregateId, accepted.size(), o);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    /** The original result if these events are all stored already, {@code null} if none is. */
    private @Nullable AppendResult idempotentResult(List<ProposedEvent> events) {
        Map<UUID, RecordedEvent> stored = retrying.run("looking up event ids", () -> {
            try (Connection c = ds.getConnection()) {
                return storedByIds(c, ids(events));
            }
        });
        return AppendChecks.idempotentResult(events, p -> stored.get(p.eventId()));
    }

    /**
     * The stored events of {@code ids}: the table's rows and, with an archive attached, the archived events of ids
     * whose rows the archive moved out (ADR 0017), so that a retry of an archived event is recognised as before.
     */
    private Map<UUID, RecordedEvent> storedByIds(Connection c, List<UUID> ids) throws SQLException {
        Map<UUID, RecordedEvent> stored = new HashMap<>(reader.byIds(c, ids));
        if (stored.size() < ids.size() && archived.store() != null) {
            for (EventReader.GoneId g : reader.goneIds(c, ids)) {
                for (RecordedEvent e :
                        archived.aggregate(g.aggregateId(), g.version(), g.version(), 1, ReadDirection.FORWARD)) {
                    if (e.eventId().equals(g.eventId())) {
                        stored.put(e.eventId(), e);
                    }
                }
            }
        }
        return stored;
    }

    /** Fails if an id belongs to an event retention deleted: ids are never reused, even after deletion. */
    private void rejectDeletedEvents(List<ProposedEvent> events) {
        rejectDeletedIds(retrying.run("looking up event ids", () -> {
            try (Connection c = ds.getConnection()) {
                return reader.deletedIds(c, ids(events));
            }
        }));
    }

    private static void rejectDeletedIds(List<UUID> deleted) {
        if (!deleted.isEmpty()) {
            throw new DuplicateEventIdException("event id " + deleted.getFirst()
                    + " belonged to an event that retention deleted; ids are never reused");
        }
    }

    private static List<UUID> ids(List<ProposedEvent> events) {
        return events.stream().map(ProposedEvent::eventId).toList();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is going back to the pool or away; the transaction ends either way
        }
    }
}
