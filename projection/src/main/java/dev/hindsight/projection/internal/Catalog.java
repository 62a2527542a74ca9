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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The runner's own tables in the read-model database: the active generation per projection, checkpoints per
 * (projection, generation), and dead letters. SQL valid for SQLite and PostgreSQL. Stateless, thread-safe.
 *
 * <p>A projection of a partitioned log run by one runner per partition ({@link PartitionedRunners}) keeps one row per
 * partition in {@code hindsight_partition_checkpoint}: the offset of the next record of that partition to apply, and
 * the epoch of the runner that may advance it. Each new holder of a partition bumps the epoch ({@link
 * #claimPartition}); a batch commits its offset only if the epoch is still its own ({@link #savePartitionCheckpoint}),
 * so a batch of a revoked or stalled holder rolls back. The table is created beside the others ({@code CREATE TABLE IF
 * NOT EXISTS}), so catalogs written before it exist unchanged, and a runner of a totally ordered log keeps its one row
 * in {@code hindsight_checkpoint}.
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
            s.execute("CREATE TABLE IF NOT EXISTS hindsight_partition_checkpoint (name TEXT NOT NULL,"
                    + " generation BIGINT NOT NULL, part INTEGER NOT NULL, epoch BIGINT NOT NULL,"
                    + " next_offset BIGINT NOT NULL, PRIMARY KEY (name, generation, part))");
        }
    }

    /**
     * Makes the caller the holder of one partition of a generation: bumps its epoch (the first holder creates the row
     * at {@code initialOffset}, epoch 1). One statement, so two claimants are ordered by the row lock; a batch of the
     * previous holder still in flight commits before this returns or is fenced after it.
     *
     * @return {epoch, next offset}: the new holder's epoch and where it starts
     */
    public static long[] claimPartition(Connection c, String name, long generation, int partition, long initialOffset)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hindsight_partition_checkpoint (name, generation,"
                + " part, epoch, next_offset) VALUES (?, ?, ?, 1, ?) ON CONFLICT (name, generation, part) DO UPDATE"
                + " SET epoch = hindsight_partition_checkpoint.epoch + 1 RETURNING epoch, next_offset")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setInt(3, partition);
            ps.setLong(4, initialOffset);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /**
     * Saves a partition's offset if {@code epoch} still holds it: call in the batch's transaction.
     *
     * @throws PartitionFencedException if a later holder has claimed the partition (roll the transaction back)
     */
    public static void savePartitionCheckpoint(
            Connection c, String name, long generation, int partition, long epoch, long nextOffset)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hindsight_partition_checkpoint SET next_offset = ?"
                + " WHERE name = ? AND generation = ? AND part = ? AND epoch = ?")) {
            ps.setLong(1, nextOffset);
            ps.setString(2, name);
            ps.setLong(3, generation);
            ps.setInt(4, partition);
            ps.setLong(5, epoch);
            if (ps.executeUpdate() != 1) {
                throw new PartitionFencedException(name, generation, partition, epoch);
            }
        }
    }

    /** The committed offset of each partition of a generation that has a row, by partition. */
    public static Map<Integer, Long> partitionOffsets(Connection c, String name, long generation) throws SQLException {
        Map<Integer, Long> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT part, next_offset FROM hindsight_partition_checkpoint"
                + " WHERE name = ? AND generation = ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
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

    private static final String SAVE_CHECKPOINT = "INSERT INTO hindsight_checkpoint (name, generation, position)"
            + " VALUES (?, ?, ?) ON CONFLICT (name, generation) DO UPDATE SET position = excluded.position";

    public static void saveCheckpoint(Connection c, String name, long generation, Position p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SAVE_CHECKPOINT)) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setString(3, p.toString());
            ps.executeUpdate();
        }
    }

    /**
     * Saves the checkpoint through {@code session}: a writing session queues it behind the handlers' writes, so it
     * reaches the server with them ({@link DeferredWrites}); it is saved by the session's next flush.
     */
    static void queueCheckpoint(SessionImpl session, String name, long generation, Position p) throws SQLException {
        PreparedStatement ps = session.prepare(SAVE_CHECKPOINT);
        ps.setString(1, name);
        ps.setLong(2, generation);
        ps.setString(3, p.toString());
        ps.executeUpdate();
    }

    public static void forget(Connection c, String name, long generation) throws SQLException {
        for (String table : new String[] {
            "hindsight_checkpoint", "hindsight_partition_checkpoint", "hindsight_dead_letter", "hindsight_inline"
        }) {
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
