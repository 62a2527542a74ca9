package dev.hindsight.projection;

import dev.hindsight.core.RecordedEvent;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * A named consumer of the global log that maintains SQL tables (a read model). Handlers receive upcast events in
 * position order, inside the runner's transaction, and must be deterministic functions of the events (a rebuild from
 * position 0 must produce the same rows). Implementations must be thread-safe (stateless is easiest).
 */
public interface Projection {

    /** Unique name, {@code [a-z][a-z0-9_]*}. */
    String name();

    /** Logical names of the tables it owns; each gets a physical name per generation. */
    List<String> tables();

    /** Event types it handles; empty = all. Others are skipped (the checkpoint still moves past them). */
    default Set<String> eventTypes() {
        return Set.of();
    }

    /** Creates its tables and indexes (physical names from {@code session.table(...)}). */
    void createTables(SqlSession session) throws SQLException;

    /** Applies one event. Throwing rolls back the whole batch. */
    void apply(RecordedEvent event, SqlSession session) throws SQLException;

    /**
     * Whether a generation built from position 0 (a rebuild, the first start) may drop its tables' non-unique indexes
     * and create them again once it has caught up, which makes the build several times faster. Say {@code true} only
     * if the handlers find rows through primary keys or unique constraints alone (those always stay); a handler that
     * looks rows up through a dropped index would scan the table instead. Default {@code false}.
     */
    default boolean deferIndexes() {
        return false;
    }

    /**
     * Columns that identify a row of {@code table} for {@link ProjectionRunner#verify}; by default the first column.
     */
    default List<String> keyColumns(String table) {
        return List.of();
    }

    /**
     * Whether each event's handler reads and writes only rows of the event's own aggregate (rows keyed by its
     * aggregate id). Then a runner may apply a batch's events of different aggregates in any order, keeping each
     * aggregate's own order: it groups events of one type so that their identical statements go to the database as one
     * set-based write instead of a round trip per event. Default {@code false}: the log's order exactly.
     */
    default boolean rowsPerAggregate() {
        return false;
    }
}
