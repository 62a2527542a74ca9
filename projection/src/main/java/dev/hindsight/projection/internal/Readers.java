package dev.hindsight.projection.internal;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The read model's pool of reader connections, which {@code ReadModelDatabase} keeps but does not expose as API: the
 * engine hands it to the internal classes that query. Implementations are thread-safe.
 */
public interface Readers {
    /** Borrows a reader connection (auto-commit on); give it back with {@link #release}. */
    Connection borrow() throws SQLException;

    /** Gives a borrowed reader back to the pool, or closes it if {@code broken}, closed, or the pool is full. */
    void release(Connection c, boolean broken);
}
