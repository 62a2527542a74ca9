package dev.hindsight.projection.internal;

import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.SqlSession;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SqlSession} over one connection whose logical tables map to {@code <table><suffix>}. A writing session
 * (the runner's, an inline hook's) defers its handlers' updates into JDBC batches ({@link DeferredWrites}); its owner
 * calls {@link #flush()} before it commits and {@link #discard()} when it rolls back. Not thread-safe: confined to one
 * thread.
 */
public final class SessionImpl implements SqlSession, AutoCloseable {
    private final Connection raw;
    private final Dialect dialect;
    private final Set<String> tables;
    private final String suffix;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final @Nullable DeferredWrites deferred;

    /** A session that executes every statement at once (queries, DDL). */
    public SessionImpl(Connection connection, Dialect dialect, Set<String> tables, String suffix) {
        this(connection, dialect, tables, suffix, false);
    }

    /**
     * @param deferWrites whether {@code executeUpdate()} on statements from {@link #prepare} is batched
     */
    public SessionImpl(Connection connection, Dialect dialect, Set<String> tables, String suffix, boolean deferWrites) {
        this(connection, dialect, tables, suffix, deferWrites, new SetBased.Analyses());
    }

    /** A session whose set-based statements are worked out through {@code analyses}, which outlives it. */
    SessionImpl(
            Connection connection,
            Dialect dialect,
            Set<String> tables,
            String suffix,
            boolean deferWrites,
            SetBased.Analyses analyses) {
        this.raw = connection;
        this.dialect = dialect;
        this.tables = Set.copyOf(tables);
        this.suffix = suffix;
        this.deferred =
                deferWrites ? new DeferredWrites(connection, dialect == Dialect.POSTGRES ? analyses : null) : null;
    }

    /** The connection handlers see: in a writing session, every use first sends the queued updates. */
    @Override
    public Connection connection() {
        return deferred == null ? raw : deferred.connection();
    }

    /** The connection itself, for the owner's own statements (after {@link #flush()}). */
    public Connection rawConnection() {
        return raw;
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    @Override
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null || ps.isClosed()) {
            flush(); // nothing in flight while the connection prepares (and SetBased reads the catalog)
            PreparedStatement fresh = raw.prepareStatement(sql);
            ps = deferred == null ? fresh : deferred.deferring(fresh, sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Sends the queued updates; call before committing or running the owner's own statements. */
    public void flush() throws SQLException {
        if (deferred != null) {
            deferred.flush();
        }
    }

    /**
     * Sends the queued updates and, when they allow it, the transaction's {@code COMMIT} in the same round trip (see
     * {@link DeferredWrites#flushAndCommit}); call in a transaction, as its last work.
     *
     * @return whether the transaction was committed; if not, the updates were sent and the caller commits
     */
    public boolean flushAndCommit() throws SQLException {
        return deferred != null && deferred.flushAndCommit();
    }

    /** Drops the queued updates; call before the transaction rolls back. */
    public void discard() {
        if (deferred != null) {
            deferred.discard();
        }
    }

    /** Closes the cached statements (not the connection); queued updates are dropped. */
    @Override
    public void close() {
        if (deferred != null) {
            deferred.close();
        }
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing a statement of a connection that may be gone
            }
        }
        statements.clear();
    }

    /** A session that executes every statement at once over the tables of one generation of {@code p}. */
    public static SessionImpl ofGeneration(Connection c, Dialect dialect, Projection p, long generation) {
        return new SessionImpl(c, dialect, Set.copyOf(p.tables()), generationSuffix(generation));
    }

    /** Physical-name suffix of a generation. */
    public static String generationSuffix(long generation) {
        return "_g" + generation;
    }

    @Override
    public String table(String logical) {
        if (!tables.contains(logical)) {
            throw new IllegalArgumentException("not a table of this projection: " + logical);
        }
        return logical + suffix;
    }
}
