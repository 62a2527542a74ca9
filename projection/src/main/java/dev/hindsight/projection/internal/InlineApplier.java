package dev.hindsight.projection.internal;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.Projection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Applies an append's events to the inline projections on the append's own connection, inside its transaction. Per
 * projection, one round trip first sets the read model's search path (transaction-local), checks that the connection
 * is to the read model's database, and writes the {@link InlineMarkers marker} into the live generation, read from the
 * catalog {@code FOR SHARE} so that a rebuild cannot switch generations (or drop the tables being written) until this
 * append has ended; then the handlers run with their updates batched ({@link DeferredWrites}). Thread-safe: state is
 * per call.
 */
public final class InlineApplier {
    private final List<Projection> projections;
    private final Upcasters upcasters;
    private final String database;
    private final String searchPath;
    private final String mark;
    /** The set-based forms of the handlers' statements, worked out once for all appends. */
    private final SetBased.Analyses analyses = new SetBased.Analyses();

    /**
     * @param projections the inline projections, in the order to apply them (a fixed order keeps lock order fixed)
     * @param database the read model's database ({@code current_database()})
     * @param schema the schema holding the catalog ({@code current_schema()} of the read model)
     * @param searchPath the read model's search path, set for the handlers
     */
    public InlineApplier(
            List<Projection> projections, Upcasters upcasters, String database, String schema, String searchPath) {
        this.projections = List.copyOf(projections);
        this.upcasters = upcasters;
        this.database = database;
        this.searchPath = searchPath;
        String q = "\"" + schema.replace("\"", "\"\"") + "\".";
        this.mark = "SELECT set_config('search_path', ?, true), current_database();\n"
                + "INSERT INTO " + q + "hindsight_inline (name, generation, first_position, last_position)"
                + " SELECT name, generation, ?, ? FROM " + q + "hindsight_projection WHERE name = ? FOR SHARE"
                + " RETURNING generation";
    }

    /**
     * An applier for the read model that {@code c} is connected to: reads its database, schema and search path.
     *
     * @param projections the inline projections, in the order to apply them
     * @throws SQLException also if the read model's search path names no existing schema
     */
    public static InlineApplier forReadModel(Connection c, List<Projection> projections, Upcasters upcasters)
            throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT current_database(), current_schema(), current_setting('search_path')")) {
            rs.next();
            if (rs.getString(2) == null) {
                throw new SQLException("the read model's search path names no existing schema");
            }
            return new InlineApplier(projections, upcasters, rs.getString(1), rs.getString(2), rs.getString(3));
        }
    }

    /** What {@code ready} answers for a projection that must not be applied inline now. */
    public static final long NOT_READY = -1;

    /**
     * Applies {@code events} (one append's) to each projection that {@code ready} gives a generation for; the others'
     * runners apply them later from the log. {@code ready} answers the generation of the live runner it judged (or
     * {@link #NOT_READY}); if the catalog names another generation by the time the append marks its events (a rebuild
     * switched in between), the judgement is void and the append fails with a serialization failure (SQLState 40001),
     * which the store retries as a whole.
     */
    public void apply(Connection c, List<RecordedEvent> events, ToLongFunction<String> ready) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        long first = sequence(events.getFirst().position());
        long last = sequence(events.getLast().position());
        for (Projection p : projections) {
            long judged = ready.applyAsLong(p.name());
            if (judged == NOT_READY) {
                continue;
            }
            List<RecordedEvent> mine = new ArrayList<>();
            for (RecordedEvent e : events) {
                if (p.eventTypes().isEmpty() || p.eventTypes().contains(e.eventType())) {
                    mine.add(e);
                }
            }
            if (mine.isEmpty()) {
                continue;
            }
            long generation = mark(c, p.name(), first, last);
            if (generation != judged) {
                throw new SQLException(
                        "projection " + p.name() + " switched to generation " + generation + " during the append",
                        "40001");
            }
            try (SessionImpl s = new SessionImpl(
                    c,
                    Dialect.POSTGRES,
                    java.util.Set.copyOf(p.tables()),
                    SessionImpl.generationSuffix(generation),
                    Switches.batchWrites(),
                    analyses)) {
                for (RecordedEvent e : mine) {
                    for (RecordedEvent u : upcasters.upcast(e)) {
                        p.apply(u, s);
                    }
                }
                s.flush();
            }
        }
    }

    private long mark(Connection c, String name, long first, long last) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(mark)) {
            ps.setString(1, searchPath);
            ps.setLong(2, first);
            ps.setLong(3, last);
            ps.setString(4, name);
            ps.execute();
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                if (!database.equals(rs.getString(2))) {
                    throw new SQLException("inline projection " + name + ": the append's database is " + rs.getString(2)
                            + ", the read model's is " + database + " (they must be the same)");
                }
            }
            if (!ps.getMoreResults()) {
                throw new SQLException("inline projection " + name + ": no marker written");
            }
            try (ResultSet rs = ps.getResultSet()) {
                if (!rs.next()) {
                    throw new SQLException("inline projection " + name + " has no active generation");
                }
                return rs.getLong(1);
            }
        }
    }

    /** A position of the (PostgreSQL) store as its number. */
    static long sequence(Position p) throws SQLException {
        if (p instanceof Position.Sequence s) {
            return s.value();
        }
        throw new SQLException("inline projections need numeric positions, got " + p);
    }
}
