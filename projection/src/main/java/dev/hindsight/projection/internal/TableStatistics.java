package dev.hindsight.projection.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the planner's statistics of a PostgreSQL read model's tables current while a runner fills them: {@code
 * ANALYZE} once the runner has applied {@link #FIRST} events, then each time that count doubles (a handful of times
 * over any history: 1,000, 2,000, 4,000 … events).
 *
 * <p>Why: PostgreSQL caches a generic plan for each prepared statement, planned against the table as it was then. A
 * runner's writes are prepared while its tables are new and empty, so without statistics their plans stay those of an
 * empty table (a sequential scan per update) as the table grows, until an {@code ANALYZE} invalidates them. Autovacuum
 * would run one, but it may be off (it is on this project's CI server), and even when on it waits for its thresholds
 * and naptime. Measured at 1,000 events/s: one runner UPDATE took 1.2–2.5 ms per call and 44 % of PostgreSQL's
 * executor time, then 122–130 µs per call after one {@code ANALYZE} (docs/benchmarks.md, session 23, h73). With
 * autovacuum on this adds a few cheap analyzes early in a table's life and none later. Not thread-safe: one per runner,
 * used by its thread.
 */
final class TableStatistics {
    private static final Logger LOG = LoggerFactory.getLogger(TableStatistics.class);

    /** Events applied before the first {@code ANALYZE}. */
    static final long FIRST = 1_000;

    private long next = FIRST;

    /**
     * Analyzes the tables (physical names, asked for only then) on {@code c}, outside any transaction, if the runner's applied count has
     * reached the next mark since the last time. A failure (a role that does not own the tables) is logged, not thrown:
     * statistics only make plans better.
     *
     * @return whether it ran
     */
    boolean maybeAnalyze(Connection c, long applied, Supplier<List<String>> physicalTables) {
        if (applied < next) {
            return false;
        }
        List<String> tables = physicalTables.get();
        if (tables.isEmpty()) {
            return false;
        }
        while (next <= applied) {
            next *= 2;
        }
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE " + String.join(", ", tables));
        } catch (SQLException e) {
            LOG.debug("ANALYZE {} failed: {}", tables, e.getMessage());
        }
        return true;
    }
}
