package dev.hindsight.projection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * What a projection sees while it writes or queries: a JDBC connection inside the runner's transaction (do not commit
 * or roll back), and the physical names of its logical tables (they change with each rebuild generation). Confined to
 * one thread.
 */
public interface SqlSession {

    /** The connection; the runner owns the transaction. */
    Connection connection();

    /** Physical name of a logical table of this projection, e.g. {@code orders} → {@code orders_g2}. */
    String table(String logical);

    Dialect dialect();

    /**
     * A prepared statement for {@code sql}, cached for the life of this session (a runner's session lives as long as
     * the runner, so hot handlers prepare each statement once). Do not close it; set all parameters before each use.
     */
    PreparedStatement prepare(String sql) throws SQLException;
}
