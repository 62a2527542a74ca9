package dev.hindsight.projection.internal;

import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.Projection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a generation that is filled from position 0 cheap to write, and undoes that once it has caught up: on
 * PostgreSQL its tables are {@code UNLOGGED} (no WAL per row); if the projection allows it
 * ({@link Projection#deferIndexes()}), its non-unique indexes are dropped (each row change then updates only the
 * unique ones). What undoes it ({@code SET LOGGED}, the {@code CREATE INDEX} statements) is kept in the catalog table
 * {@code hindsight_pending_ddl} of that generation and run by {@link #finish} in one transaction. A generation with
 * pending DDL is incomplete: after a crash PostgreSQL empties unlogged tables, so such a generation is never trusted
 * on restart (see {@link Lifecycle#start}). Stateless, thread-safe.
 */
public final class FastBuild {
    private FastBuild() {}

    /** Prepares the freshly created tables of one generation; call in the transaction that created them. */
    public static void prepare(Connection c, Dialect dialect, Projection p, long generation) throws SQLException {
        String suffix = SessionImpl.generationSuffix(generation);
        List<String> undo = new ArrayList<>();
        for (String logical : p.tables()) {
            String table = logical + suffix;
            if (dialect == Dialect.POSTGRES) {
                execute(c, "ALTER TABLE " + table + " SET UNLOGGED");
                undo.add("ALTER TABLE " + table + " SET LOGGED");
            }
            if (p.deferIndexes()) {
                for (String[] index : secondaryIndexes(c, dialect, table)) {
                    execute(c, "DROP INDEX " + index[0]);
                    undo.add(index[1]);
                }
            }
        }
        int seq = 0;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO hindsight_pending_ddl (name, generation, seq, ddl) VALUES (?, ?, ?, ?)")) {
            for (String ddl : undo) {
                ps.setString(1, p.name());
                ps.setLong(2, generation);
                ps.setInt(3, seq++);
                ps.setString(4, ddl);
                ps.executeUpdate();
            }
        }
    }

    /** Whether a generation still has pending DDL (it was being built and has not caught up yet). */
    public static boolean pending(Connection c, String name, long generation) throws SQLException {
        return !ddl(c, name, generation).isEmpty();
    }

    /** Runs the pending DDL of a generation (makes it durable and indexed); call inside a transaction. */
    public static void finish(Connection c, String name, long generation) throws SQLException {
        for (String ddl : ddl(c, name, generation)) {
            execute(c, ddl);
        }
        forget(c, name, generation);
    }

    static void forget(Connection c, String name, long generation) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM hindsight_pending_ddl WHERE name = ? AND generation = ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.executeUpdate();
        }
    }

    private static List<String> ddl(Connection c, String name, long generation) throws SQLException {
        return Catalog.strings(
                c,
                "SELECT ddl FROM hindsight_pending_ddl WHERE name = ? AND generation = ? ORDER BY seq",
                name,
                generation);
    }

    /** Name and definition of each index of {@code table} that enforces no constraint. */
    private static List<String[]> secondaryIndexes(Connection c, Dialect dialect, String table) throws SQLException {
        String sql = dialect == Dialect.POSTGRES
                ? "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                        + " WHERE i.indrelid = to_regclass(?) AND NOT i.indisunique AND NOT i.indisprimary"
                        + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
                        + " ORDER BY 1"
                : "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
                        + " AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name";
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return out;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
