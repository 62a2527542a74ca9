package dev.hindsight.projection;

import java.sql.SQLException;

/** A read-model query run by {@link ProjectionEngine#query}. */
@FunctionalInterface
public interface SqlQuery<T> {
    T run(SqlSession session) throws SQLException;
}
