package dev.hindsight.projection.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Whose fault a failed read-model transaction is. Only an {@link Kind#EVENT} failure counts against the event being
 * applied (its retries, then the dead letter or the runner's stop): a lock held by someone else, a deadlock or a
 * serialization failure says nothing about the event, and neither does a lost connection. Stateless.
 */
final class SqlFailures {
    /** The cause of a failure, as far as the runner acts on it. */
    enum Kind {
        /** The handler or its writes failed: retry a few times, then dead-letter or stop. */
        EVENT,
        /** The database was busy (lock timeout, deadlock, serialization, resources): retry without a limit. */
        TRANSIENT,
        /** The connection is gone (server restart, failover, network): reconnect, resume from the checkpoint. */
        CONNECTION
    }

    private SqlFailures() {}

    /**
     * Classifies {@code failure} (any exception out of a read-model transaction, the cause chain included) that
     * happened on {@code c} (null if the connection could not be opened).
     */
    static Kind of(Throwable failure, @Nullable Connection c) {
        Kind kind = Kind.EVENT;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            for (Throwable s = t; s != null; s = next(s)) {
                Kind k = one(s);
                if (k == Kind.CONNECTION) {
                    return k;
                }
                if (k == Kind.TRANSIENT) {
                    kind = k;
                }
            }
        }
        if (kind == Kind.EVENT && c != null && closed(c)) {
            return Kind.CONNECTION;
        }
        return kind;
    }

    private static @Nullable Throwable next(Throwable t) {
        return t instanceof SQLException e && e.getNextException() != t ? e.getNextException() : null;
    }

    private static Kind one(Throwable t) {
        if (t instanceof SQLRecoverableException) {
            return Kind.CONNECTION;
        }
        if (t instanceof SQLiteException e) {
            SQLiteErrorCode code = e.getResultCode();
            return code == SQLiteErrorCode.SQLITE_BUSY
                            || code == SQLiteErrorCode.SQLITE_LOCKED
                            || code.name().startsWith("SQLITE_BUSY_")
                            || code.name().startsWith("SQLITE_LOCKED_")
                    ? Kind.TRANSIENT
                    : Kind.EVENT;
        }
        if (t instanceof SQLTransientException) {
            return Kind.TRANSIENT;
        }
        if (!(t instanceof SQLException e) || e.getSQLState() == null) {
            return Kind.EVENT;
        }
        String state = e.getSQLState();
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
            return Kind.CONNECTION; // connection exception; admin or crash shutdown; cannot connect now
        }
        if (state.equals("40001") || state.equals("40P01") || state.startsWith("53") || state.equals("55P03")) {
            return Kind.TRANSIENT; // serialization failure, deadlock; insufficient resources; lock not available
        }
        return Kind.EVENT;
    }

    private static boolean closed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
