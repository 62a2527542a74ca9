package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.RecordedEvent;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The tables that say where archived events are ({@code V8__archive_index.sql}): {@code archived_segments}, one row per
 * archived object with its header fields, block table and the first position of each block, and
 * {@code archived_aggregates}, one row per aggregate and object holding some of its events, with those versions and
 * blocks. Written in the archiver's checkpoint transaction; read by {@link ArchivedEvents}. Stateless, thread-safe.
 */
final class ArchiveIndex {
    private static final String SEGMENT_COLUMNS = "object_key, first_position, last_position, records, extent, blocks,"
            + " table_offset, bytes, md5, block_table, block_positions";

    private final String schema;

    ArchiveIndex(String schema) {
        this.schema = schema;
    }

    /**
     * An archived object, as {@code archived_segments} lists it.
     *
     * @param table the block table as the object stores it (entries, then their CRC)
     * @param blockPositions the position of each block's first record
     */
    record SegmentRow(
            String key,
            long first,
            long last,
            int records,
            int extent,
            int blocks,
            long tableOffset,
            long bytes,
            String md5,
            byte[] table,
            long[] blockPositions) {
        /** The block holding {@code position}, or the block after it (the first block for a position before all). */
        int blockOf(long position) {
            int i = java.util.Arrays.binarySearch(blockPositions, position);
            return i >= 0 ? i : Math.max(0, -i - 2);
        }
    }

    /**
     * Where one aggregate's archived events in one object are.
     *
     * @param blocks the blocks holding them, ascending
     */
    record AggregateRef(String key, long minVersion, long maxVersion, int[] blocks) {}

    /**
     * Records an archived object and, per aggregate, the versions and blocks it holds; a second save of the same object
     * (a re-export of the same range) changes nothing.
     *
     * @param events the object's events, in the order they were written
     * @param recordBlocks the block of each of {@code events}
     */
    void save(Connection c, SegmentRow s, List<RecordedEvent> events, int[] recordBlocks) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".archived_segments ("
                + SEGMENT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, s.key());
            ps.setLong(2, s.first());
            ps.setLong(3, s.last());
            ps.setInt(4, s.records());
            ps.setInt(5, s.extent());
            ps.setInt(6, s.blocks());
            ps.setLong(7, s.tableOffset());
            ps.setLong(8, s.bytes());
            ps.setString(9, s.md5());
            ps.setBytes(10, s.table());
            ps.setArray(11, c.createArrayOf("bigint", boxed(s.blockPositions())));
            ps.executeUpdate();
        }
        record Span(long[] versions, BitSet blocks) {}
        Map<String, Span> spans = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            Span span = spans.computeIfAbsent(
                    e.aggregateId(), k -> new Span(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}, new BitSet()));
            span.versions()[0] = Math.min(span.versions()[0], e.version());
            span.versions()[1] = Math.max(span.versions()[1], e.version());
            span.blocks().set(recordBlocks[i]);
        }
        int n = spans.size();
        String[] ids = new String[n];
        Long[] min = new Long[n];
        Long[] max = new Long[n];
        String[] blocks = new String[n];
        int k = 0;
        for (Map.Entry<String, Span> e : spans.entrySet()) {
            ids[k] = e.getKey();
            min[k] = e.getValue().versions()[0];
            max[k] = e.getValue().versions()[1];
            blocks[k] = e.getValue().blocks().toString(); // "{0, 3}": PostgreSQL's array literal
            k++;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".archived_aggregates (aggregate_id,"
                + " object_key, min_version, max_version, blocks) SELECT a, ?, lo, hi, b::int[] FROM unnest(?::text[],"
                + " ?::bigint[], ?::bigint[], ?::text[]) AS u(a, lo, hi, b) ON CONFLICT DO NOTHING")) {
            ps.setString(1, s.key());
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("bigint", min));
            ps.setArray(4, c.createArrayOf("bigint", max));
            ps.setArray(5, c.createArrayOf("text", blocks));
            ps.executeUpdate();
        }
    }

    /**
     * The archived position if the index does not reach it (objects archived before the index existed and not yet
     * indexed), else 0.
     */
    long unindexedUpTo(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT position FROM " + schema
                + ".checkpoints WHERE name = ?), (SELECT max(last_position) FROM " + schema
                + ".archived_segments)")) {
            ps.setString(1, PostgresArchiver.CHECKPOINT);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String archived = rs.getString(1);
                long upTo = archived == null ? 0 : Long.parseLong(archived);
                long indexed = rs.getLong(2);
                return upTo > indexed ? upTo : 0;
            }
        }
    }

    /** The keys of every object listed. */
    List<String> keys(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT object_key FROM " + schema + ".archived_segments");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The object holding the first archived position after {@code position}, or null if there is none. */
    @Nullable
    SegmentRow after(Connection c, long position) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SEGMENT_COLUMNS + " FROM " + schema
                + ".archived_segments WHERE last_position > ? ORDER BY last_position LIMIT 1")) {
            ps.setLong(1, position);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? segment(rs) : null;
            }
        }
    }

    /** The object {@code key}, or null if it is not listed. */
    @Nullable
    SegmentRow segment(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + SEGMENT_COLUMNS + " FROM " + schema + ".archived_segments WHERE object_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? segment(rs) : null;
            }
        }
    }

    /** The objects {@code keys} that are listed (any order). */
    List<SegmentRow> segments(Connection c, List<String> keys) throws SQLException {
        List<SegmentRow> out = new ArrayList<>(keys.size());
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + SEGMENT_COLUMNS + " FROM " + schema + ".archived_segments WHERE object_key = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(segment(rs));
                }
            }
        }
        return out;
    }

    /** The objects holding versions of {@code aggregateId} in {@code [from, to]}, lowest versions first. */
    List<AggregateRef> aggregate(Connection c, String aggregateId, long from, long to) throws SQLException {
        List<AggregateRef> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT object_key, min_version, max_version, blocks FROM "
                + schema + ".archived_aggregates WHERE aggregate_id = ? AND max_version >= ? AND min_version <= ?"
                + " ORDER BY min_version")) {
            ps.setString(1, aggregateId);
            ps.setLong(2, from);
            ps.setLong(3, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Integer[] blocks = (Integer[]) rs.getArray(4).getArray();
                    int[] b = new int[blocks.length];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = blocks[i];
                    }
                    out.add(new AggregateRef(rs.getString(1), rs.getLong(2), rs.getLong(3), b));
                }
            }
        }
        return out;
    }

    private static SegmentRow segment(ResultSet rs) throws SQLException {
        Array a = rs.getArray(11);
        Long[] positions = (Long[]) a.getArray();
        long[] p = new long[positions.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = positions[i];
        }
        return new SegmentRow(
                rs.getString(1),
                rs.getLong(2),
                rs.getLong(3),
                rs.getInt(4),
                rs.getInt(5),
                rs.getInt(6),
                rs.getLong(7),
                rs.getLong(8),
                rs.getString(9),
                rs.getBytes(10),
                p);
    }

    private static Long[] boxed(long[] a) {
        Long[] out = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
