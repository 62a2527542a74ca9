package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.postgres.InlineAppendHook;
import dev.hindsight.store.postgres.InlineHookException;
import dev.hindsight.store.postgres.internal.AppendCall.Outcome;
import dev.hindsight.store.postgres.internal.AppendCall.Request;
import dev.hindsight.store.postgres.internal.AppendCall.Status;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registered {@link InlineAppendHook}s, and the transaction around an append statement that runs them before
 * commit. Without hooks an append runs as before (one autocommit statement); with hooks it runs in an explicit
 * transaction: the append statement, one query for the commit time (which also undoes the append statements'
 * transaction-local planner settings, so the hooks plan normally), the hooks, the commit. Thread-safe.
 */
public final class InlineHooks {
    /** A statement run inside the transaction. */
    @FunctionalInterface
    public interface Op<T> {
        T run() throws SQLException;
    }

    private final List<InlineAppendHook> hooks = new CopyOnWriteArrayList<>();

    public void add(InlineAppendHook hook) {
        hooks.add(hook);
    }

    public boolean remove(InlineAppendHook hook) {
        return hooks.remove(hook);
    }

    /**
     * Runs one append ({@code op}, on {@code c}) and the hooks in one transaction.
     *
     * @throws InlineHookException if a hook failed (other than by a retryable database error); nothing is stored
     */
    public Outcome single(Connection c, Request request, Op<Outcome> op) throws SQLException {
        if (hooks.isEmpty()) {
            return op.run();
        }
        return inTransaction(c, () -> {
            Outcome o = op.run();
            if (o.status() == Status.APPENDED) {
                beforeCommit(c, request.events(), o, commitTime(c), false);
            }
            return o;
        });
    }

    /**
     * Runs a group of appends and the hooks (once per stored append) in one transaction. A failing hook rolls back
     * all of them and is reported as an {@link SQLException}, on which the group committer runs each append alone.
     */
    public List<Outcome> group(Connection c, List<Request> requests, Op<List<Outcome>> op) throws SQLException {
        if (hooks.isEmpty()) {
            return op.run();
        }
        return inTransaction(c, () -> {
            List<Outcome> outcomes = op.run();
            Instant now = null;
            for (int i = 0; i < outcomes.size(); i++) {
                Outcome o = outcomes.get(i);
                if (o.status() == Status.APPENDED) {
                    now = now == null ? commitTime(c) : now;
                    beforeCommit(c, requests.get(i).events(), o, now, true);
                }
            }
            return outcomes;
        });
    }

    /** Runs the hooks for an append made in the caller's own transaction ({@code accepted}: what it stored). */
    public void beforeCommit(Connection c, List<ProposedEvent> accepted, Outcome o) throws SQLException {
        if (!hooks.isEmpty()) {
            beforeCommit(c, accepted, o, commitTime(c), false);
        }
    }

    private void beforeCommit(Connection c, List<ProposedEvent> stored, Outcome o, Instant recordedAt, boolean inGroup)
            throws SQLException {
        List<RecordedEvent> events = recorded(stored, o, recordedAt);
        for (InlineAppendHook hook : hooks) {
            try {
                hook.beforeCommit(c, events);
            } catch (SQLException e) {
                if (inGroup || SqlErrors.isRetryable(e)) {
                    throw e;
                }
                throw failed(events, e);
            } catch (RuntimeException e) {
                if (inGroup) {
                    throw new SQLException("inline hook failed inside a group commit: " + e, e);
                }
                throw failed(events, e);
            }
        }
    }

    private static InlineHookException failed(List<RecordedEvent> events, Exception e) {
        return new InlineHookException(
                "append to '" + events.getFirst().aggregateId() + "' rolled back: an inline projection failed: "
                        + e.getMessage(),
                e);
    }

    /** The events as stored: consecutive versions from the first and positions up to the last. */
    static List<RecordedEvent> recorded(List<ProposedEvent> stored, Outcome o, Instant recordedAt) {
        List<RecordedEvent> out = new ArrayList<>(stored.size());
        long firstPosition = o.position() - stored.size() + 1;
        for (int i = 0; i < stored.size(); i++) {
            ProposedEvent p = stored.get(i);
            out.add(new RecordedEvent(
                    p.eventId(),
                    p.aggregateId(),
                    p.eventType(),
                    p.schemaVersion(),
                    p.eventData(),
                    p.metadata(),
                    o.version() + i,
                    Position.of(firstPosition + i),
                    p.timestamp(),
                    recordedAt));
        }
        return List.copyOf(out);
    }

    /** The transaction's time ({@code recorded_at}); also resets the append statements' planner settings. */
    private static Instant commitTime(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT now(); RESET plan_cache_mode; RESET enable_seqscan");
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }
    }

    private static <T> T inTransaction(Connection c, Op<T> work) throws SQLException {
        c.setAutoCommit(false);
        boolean committed = false;
        try {
            T result = work.run();
            c.commit();
            committed = true;
            return result;
        } finally {
            if (!committed) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the transaction ends with it
                }
            }
            c.setAutoCommit(true);
        }
    }
}
