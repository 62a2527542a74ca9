package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.HindsightException;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.StoreUnavailableException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/**
 * Translation of {@link SQLException}s at the engine boundary, and which of them a retry may cure. Stateless.
 */
public final class SqlErrors {
    /** unique_violation. */
    public static final String UNIQUE_VIOLATION = "23505";

    private SqlErrors() {}

    /**
     * Whether the connection (or the server) went away: the statement may or may not have taken effect, and a new
     * connection may succeed. Covers connection exceptions (class 08), backends terminated by an administrator or a
     * crash (57P01-57P03), too many connections, and the pool's own timeout.
     */
    public static boolean isConnectionLoss(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null
                        && (state.startsWith("08")
                                || state.equals("57P01")
                                || state.equals("57P02")
                                || state.equals("57P03")
                                || state.equals("53300"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a retry of the same operation may succeed: connection loss, deadlock or serialization failure. */
    public static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return isConnectionLoss(e) || "40P01".equals(state) || "40001".equals(state);
    }

    /**
     * Whether {@code e} is a unique violation on table {@code table} or one of its partitions
     * ({@code <table>_p<n>}).
     */
    public static boolean isUniqueViolation(SQLException e, String table) {
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return false;
        }
        String violated = tableOf(e);
        return violated != null && (violated.equals(table) || violated.matches(table + "_p\\d+"));
    }

    private static @Nullable String tableOf(SQLException e) {
        if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
            return p.getServerErrorMessage().getTable();
        }
        return null;
    }

    /** The Hindsight exception for a failed operation: bad data is the caller's; everything else is unavailability. */
    public static HindsightException translate(String operation, SQLException e) {
        String state = e.getSQLState();
        String detail = operation + " failed: " + e.getMessage() + (state == null ? "" : " (SQLState " + state + ")");
        if (state != null && state.startsWith("22")) {
            return new InvalidRequestException(detail, e);
        }
        if (isConnectionLoss(e)) {
            return new StoreUnavailableException("PostgreSQL is unreachable: " + detail, e);
        }
        return new StoreUnavailableException("PostgreSQL " + detail, e);
    }
}
