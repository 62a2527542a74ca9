package dev.hindsight.projection.internal;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The runner's own tables in the read-model database: the active generation per projection, checkpoints per
 * (projection, generation), and dead letters. SQL valid for SQLite and PostgreSQL. Stateless, thread-safe.
 */
public final class Catalog {
    private Catalog() {}

    public static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS hindsight_projection (name TEXT PRIMARY KEY,"
                    + " generation BIGINT NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS hindsight_checkpoint (name TEXT NOT NULL, generation BIGINT NOT NULL,"
                    + " position TEXT NOT NULL, PRIMARY KEY (name, generation))");
            s.execute("CREATE TABLE IF NOT EXISTS hindsight_dead_letter (name TEXT NOT NULL,"
                    + " generation BIGINT NOT NULL, position TEXT NOT NULL, seq BIGINT NOT NULL, aggregate_id TEXT NOT NULL,"
                    + " event_id TEXT NOT NULL, event_type TEXT NOT NULL, error TEXT NOT NULL,"
                    + " PRIMARY KEY (name, generation, seq))");
            s.execute("CREATE TABLE IF NOT EXISTS hindsight_inline (name TEXT NOT NULL, generation BIGINT NOT NULL,"
                    + " first_position BIGINT NOT NULL, last_position BIGINT NOT NULL,"
                    + " PRIMARY KEY (name, generation, first_position))");
            s.execute(
                    "CREATE TABLE IF NOT EXISTS hindsight_pending_ddl (name TEXT NOT NULL, generation BIGINT NOT NULL,"
                            + " seq INTEGER NOT NULL, ddl TEXT NOT NULL, PRIMARY KEY (name, generation, seq))");
        }
    }

    public static Optional<Long> activeGeneration(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT generation FROM hindsight_projection WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    public static void setActiveGeneration(Connection c, String name, long generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hindsight_projection (name, generation)"
                + " VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET generation = excluded.generation")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.executeUpdate();
        }
    }

    public static long maxGeneration(Connection c, String name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT MAX(generation) FROM hindsight_checkpoint WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    public static Optional<Position> checkpoint(Connection c, String name, long generation) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT position FROM hindsight_checkpoint WHERE name = ? AND generation = ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Position.parse(rs.getString(1))) : Optional.empty();
            }
        }
    }

    public static void saveCheckpoint(Connection c, String name, long generation, Position p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hindsight_checkpoint (name, generation, position)"
                + " VALUES (?, ?, ?) ON CONFLICT (name, generation) DO UPDATE SET position = excluded.position")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setString(3, p.toString());
            ps.executeUpdate();
        }
    }

    public static void forget(Connection c, String name, long generation) throws SQLException {
        for (String table : new String[] {"hindsight_checkpoint", "hindsight_dead_letter", "hindsight_inline"}) {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM " + table + " WHERE name = ? AND generation = ?")) {
                ps.setString(1, name);
                ps.setLong(2, generation);
                ps.executeUpdate();
            }
        }
        FastBuild.forget(c, name, generation);
    }

    public static void addDeadLetter(Connection c, String name, long generation, RecordedEvent e, String error)
            throws SQLException {
        long seq;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM hindsight_dead_letter WHERE name = ? AND generation = ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hindsight_dead_letter (name, generation, position,"
                + " seq, aggregate_id, event_id, event_type, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setString(3, e.position().toString());
            ps.setLong(4, seq);
            ps.setString(5, e.aggregateId());
            ps.setString(6, e.eventId().toString());
            ps.setString(7, e.eventType());
            ps.setString(8, error.length() > 2000 ? error.substring(0, 2000) : error);
            ps.executeUpdate();
        }
    }

    public static Set<String> parkedAggregates(Connection c, String name, long generation) throws SQLException {
        return new HashSet<>(strings(
                c,
                "SELECT DISTINCT aggregate_id FROM hindsight_dead_letter" + " WHERE name = ? AND generation = ?",
                name,
                generation));
    }

    /** The first column of {@code sql}'s rows, its two parameters bound to a projection's name and generation. */
    static List<String> strings(Connection c, String sql, String name, long generation) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    public static long deadLetterCount(Connection c, String name, long generation) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT COUNT(*) FROM hindsight_dead_letter WHERE name = ? AND generation = ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
