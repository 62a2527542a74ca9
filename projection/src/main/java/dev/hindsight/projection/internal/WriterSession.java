package dev.hindsight.projection.internal;

import dev.hindsight.projection.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL server session behind a runner's writer connection, so that a runner which lost that connection can
 * end it before reading its checkpoint back: a session whose client has gone still finishes a {@code COMMIT} it had
 * received (after waiting for locks, a deferred trigger, the WAL flush), and a checkpoint read before that commit
 * lands makes the runner apply the batch a second time. Identified by process id and start time (a pid is reused).
 * Immutable.
 */
record WriterSession(int pid, Timestamp started) {
    /** Polls while an ended session is still listed. */
    private static final long POLL_MILLIS = 20;

    /** A wait that the runner's stop may cut short. */
    @FunctionalInterface
    interface Sleep {
        void millis(long ms) throws InterruptedException;
    }

    /** The session behind {@code c}; null for SQLite, whose connections end with their process. */
    static @Nullable WriterSession of(Connection c, Dialect dialect) throws SQLException {
        if (dialect != Dialect.POSTGRES) {
            return null;
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
            return rs.next() ? new WriterSession(rs.getInt(1), rs.getTimestamp(2)) : null;
        }
    }

    /**
     * Through the new connection {@code c}: ends this (old) session if it is still there, and returns once the server
     * no longer lists it, so that whatever it was committing has landed or been rolled back.
     */
    void end(Connection c, Sleep sleep) throws SQLException, InterruptedException {
        try (PreparedStatement terminate = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE pid = ? AND backend_start = ?");
                PreparedStatement listed =
                        c.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ? AND backend_start = ?")) {
            bind(terminate);
            terminate.executeQuery().close();
            bind(listed);
            while (true) {
                try (ResultSet rs = listed.executeQuery()) {
                    if (!rs.next()) {
                        return;
                    }
                }
                sleep.millis(POLL_MILLIS);
            }
        }
    }

    private void bind(PreparedStatement ps) throws SQLException {
        ps.setInt(1, pid);
        ps.setTimestamp(2, started);
    }
}
