package dev.hindsight.projection.internal;

import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.SqlSession;
import java.sql.Connection;
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
public record SessionImpl(Connection connection, Dialect dialect, Set<String> tables, String suffix)
        implements SqlSession {

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
