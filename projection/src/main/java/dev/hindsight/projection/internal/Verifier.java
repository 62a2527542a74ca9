package dev.hindsight.projection.internal;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.projection.VerifyReport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Checks a projection's live tables against the log: recomputes it into scratch tables ({@code <table>_verify}) and
 * compares them row by row. Thread-safe as long as two verifies of one projection do not overlap (they share the
 * scratch tables).
 */
public final class Verifier {
    private static final String SUFFIX = "_verify";

    private final EventStore store;
    private final ReadModelDatabase db;
    private final Upcasters upcasters;

    public Verifier(EventStore store, ReadModelDatabase db, Upcasters upcasters) {
        this.store = store;
        this.db = db;
        this.upcasters = upcasters;
    }

    /**
     * Recomputes {@code p} from the log up to its live runner's position (pausing the runner meanwhile) and compares
     * the result with the live tables.
     *
     * @param r the live runner of {@code p}
     * @param batchSize events read per batch of the replay
     * @throws StoreUnavailableException if the replay or the comparison fails with an {@link SQLException}
     */
    public VerifyReport verify(Projection p, Runner r, int batchSize) throws InterruptedException {
        String name = p.name();
        r.pause();
        try (Connection c = db.openWriter()) {
            Position at = r.position();
            String liveSuffix = SessionImpl.generationSuffix(r.generation());
            return replayAndCompare(c, p, at, t -> t + liveSuffix, batchSize);
        } catch (SQLException e) {
            throw new StoreUnavailableException("verify of " + name + " failed: " + e.getMessage(), e);
        } finally {
            r.resume();
        }
    }

    /**
     * Verifies a projection whose runners run in other processes ({@link Follower}; PostgreSQL only): copies the live
     * tables and reads their committed position in one repeatable-read transaction (the runners commit rows and
     * checkpoints together, so the copy is exactly the state at that position, whatever they commit meanwhile), then
     * recomputes the projection from the log up to that position and compares. Nothing is paused.
     *
     * @throws InvalidRequestException if the projection has no live tables yet
     * @throws StoreUnavailableException if the copy, replay or comparison fails with an {@link SQLException}
     */
    public VerifyReport verifyCommitted(Projection p, Follower follower, int batchSize) {
        String name = p.name();
        try (Connection c = db.openWriter()) {
            Follower.Committed at = copyLive(c, p, follower);
            try {
                return replayAndCompare(c, p, at.position(), t -> LIVE_COPY_SCHEMA + t + LIVE_COPY, batchSize);
            } finally {
                ReadModelDatabase.inTransaction(c, () -> dropLiveCopies(c, p));
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("verify of " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Recomputes {@code p} from the log up to {@code at} into the scratch tables and compares them both ways with the
     * live tables named by {@code live} (logical table name to the table holding the live rows); the scratch tables are
     * dropped afterwards, whether or not the comparison succeeded.
     */
    private VerifyReport replayAndCompare(
            Connection c, Projection p, Position at, UnaryOperator<String> live, int batchSize) throws SQLException {
        try {
            ReadModelDatabase.inTransaction(c, () -> {
                Generations.dropTables(c, p, SUFFIX);
                p.createTables(new SessionImpl(c, db.dialect(), Set.copyOf(p.tables()), SUFFIX));
            });
            Runner.replayInto(store, c, db, p, upcasters, SUFFIX, at, batchSize);
            List<String> missing = new ArrayList<>();
            List<String> extra = new ArrayList<>();
            for (String t : p.tables()) {
                missing.addAll(diff(c, t, t + SUFFIX, live.apply(t)));
                extra.addAll(diff(c, t, live.apply(t), t + SUFFIX));
            }
            return new VerifyReport(p.name(), at.toString(), missing, extra);
        } finally {
            ReadModelDatabase.inTransaction(c, () -> Generations.dropTables(c, p, SUFFIX));
        }
    }

    private static final String LIVE_COPY = "_verify_live";
    private static final String LIVE_COPY_SCHEMA = "pg_temp.";

    /** Session-local copies of the live tables, and the position they hold, from one snapshot. */
    private static Follower.Committed copyLive(Connection c, Projection p, Follower follower) throws SQLException {
        boolean auto = c.getAutoCommit();
        int isolation = c.getTransactionIsolation();
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            Follower.Committed at = follower.committedIn(c, p.name())
                    .orElseThrow(() -> new InvalidRequestException("projection " + p.name()
                            + " has no live tables yet: no read-model process has started it"));
            dropLiveCopies(c, p);
            String live = SessionImpl.generationSuffix(at.generation());
            try (Statement s = c.createStatement()) {
                for (String t : p.tables()) {
                    s.execute("CREATE TEMP TABLE " + t + LIVE_COPY + " AS SELECT * FROM " + t + live);
                }
            }
            c.commit();
            return at;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(auto);
        }
    }

    private static void dropLiveCopies(Connection c, Projection p) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String t : p.tables()) {
                s.execute("DROP TABLE IF EXISTS " + LIVE_COPY_SCHEMA + t + LIVE_COPY);
            }
        }
    }

    /** Up to 100 rows of {@code a} that {@code b} lacks, as text prefixed with the logical table name. */
    private static List<String> diff(Connection c, String logical, String a, String b) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + a + " EXCEPT SELECT * FROM " + b)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next() && out.size() < 100) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                out.add(logical + " " + row);
            }
        }
        return out;
    }
}
