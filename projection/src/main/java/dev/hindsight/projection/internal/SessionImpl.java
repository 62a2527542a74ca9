package dev.hindsight.projection.internal;

import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.SqlSession;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link SqlSession} over one connection whose logical tables map to {@code <table><suffix>}. Confined to one
 * thread.
 *
 * @param connection the connection
 * @param dialect its dialect
 * @param tables the projection's logical tables
 * @param suffix appended to each, e.g. {@code _g2}
 */
public record SessionImpl(Connection connection, Dialect dialect, Set<String> tables, String suffix,
        Map<String, PreparedStatement> statements) implements SqlSession, AutoCloseable {

    public SessionImpl(Connection connection, Dialect dialect, Set<String> tables, String suffix) {
        this(connection, dialect, tables, suffix, new HashMap<>());
    }

    @Override
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null || ps.isClosed()) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Closes the cached statements (not the connection). */
    @Override
    public void close() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing a statement of a connection that may be gone
            }
        }
        statements.clear();
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
