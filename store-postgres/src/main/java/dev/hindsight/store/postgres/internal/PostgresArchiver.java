package dev.hindsight.store.postgres.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.StorageUse;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The export-and-delete half of the PostgreSQL archive (ADR 0017): moves the oldest events, in position ranges of a
 * fixed number of events, to the object store in the file engine's segment format ({@link ArchiveSegmentWriter}),
 * under {@code postgres/segments/<first>-<last>.zlog}, lists each in {@code postgres/manifest.json}, checks size and
 * MD5 of what the store holds, records the archived position (checkpoint {@value #CHECKPOINT}), and only then deletes
 * the range's rows, keeping each aggregate's last event (ADR 0004). A range is exported only when all of it is below
 * the visible bound, at or below what the consumers applied, and older than the archive age. A crash before the
 * checkpoint re-exports the same range as the same bytes under the same key; after it, the next run finishes the
 * deletion. The object and, per aggregate, the versions and blocks it holds are listed in the archive index
 * ({@link ArchiveIndex}) in the checkpoint's transaction, so reads fall through to it ({@link ArchivedEvents}); objects
 * archived before the index existed are indexed at the start of a run. Thread-safe: runs are serialized.
 */
public final class PostgresArchiver {
    /** The checkpoint row holding the last archived position. */
    public static final String CHECKPOINT = "$archive"; // also named in db/hindsight/V9__read_page.sql

    static final String MANIFEST = "postgres/manifest.json";

    private final DataSource ds;
    private final String schema;
    private final EventReader reader;
    private final ArchiveIndex index;

    public PostgresArchiver(DataSource ds, String schema, EventReader reader) {
        this.ds = ds;
        this.schema = schema;
        this.reader = reader;
        this.index = new ArchiveIndex(schema);
    }

    /** Archives every full range of {@code segmentEvents} events that qualifies, oldest first. */
    public synchronized StorageUse.ArchiveRun run(
            ObjectStore store, Duration after, Instant now, long appliedUpTo, int segmentEvents) throws SQLException {
        long t0 = System.nanoTime();
        int segments = 0;
        long events = 0;
        long bytes = 0;
        String error = null;
        long from = archivedUpTo();
        deleteArchived(from);
        Instant cutoff = now.minus(after);
        try {
            indexMissing(store, from);
            while (true) {
                List<RecordedEvent> range = range(from, segmentEvents, cutoff, appliedUpTo);
                if (range == null) {
                    break;
                }
                ArchiveSegmentWriter.Segment s = ArchiveSegmentWriter.write(range, 3);
                long last = ArchiveSegmentWriter.position(range.getLast());
                String key = segmentKey(s.base(), last);
                String md5 = md5(s.bytes());
                store.put(key, s.bytes());
                ObjectStore.ObjectInfo there = store.head(key);
                if (there == null
                        || there.size() != s.bytes().length
                        || !there.md5().equals(md5)) {
                    throw new IOException("the uploaded " + key + " does not match what was exported (size/MD5 "
                            + (there == null ? "missing" : there.size() + "/" + there.md5()) + " vs "
                            + s.bytes().length + "/" + md5 + ")");
                }
                writeManifest(store, key, s, last, md5, range.getLast().timestamp(), now);
                ArchiveIndex.SegmentRow row = new ArchiveIndex.SegmentRow(
                        key,
                        s.base(),
                        last,
                        s.records(),
                        s.extent(),
                        s.blocks(),
                        s.tableOffset(),
                        s.bytes().length,
                        md5,
                        s.table(),
                        s.blockPositions());
                saveArchivedUpTo(last, row, range, s.recordBlocks());
                deleteArchived(last);
                from = last;
                segments++;
                events += range.size();
                bytes += s.bytes().length;
            }
        } catch (IOException e) {
            error = "archiving after position " + from + ": " + e.getMessage();
        }
        if (segments > 0) {
            reader.forget();
        }
        return new StorageUse.ArchiveRun(now, segments, events, bytes, (System.nanoTime() - t0) / 1_000_000, error);
    }

    /** The next full range after {@code from}, or null if there is none that qualifies. */
    private @Nullable List<RecordedEvent> range(long from, int n, Instant cutoff, long appliedUpTo)
            throws SQLException {
        List<RecordedEvent> out = new ArrayList<>(n);
        long cursor = from;
        while (out.size() < n) {
            var slice = reader.readAll(cursor, n - out.size(), EventFilter.ALL);
            if (slice.events().isEmpty()) {
                return null; // not enough visible events yet
            }
            for (RecordedEvent e : slice.events()) {
                if (ArchiveSegmentWriter.position(e) > appliedUpTo
                        || !e.timestamp().isBefore(cutoff)) {
                    return null;
                }
                out.add(e);
            }
            cursor = ArchiveSegmentWriter.position(out.getLast());
        }
        return out;
    }

    /** The object key of the archived segment of positions {@code base} to {@code last}. */
    static String segmentKey(long base, long last) {
        return String.format("postgres/segments/%020d-%020d.zlog", base, last);
    }

    /** Adds the segment at {@code key} to the manifest (once: a retry after a crash finds it listed). */
    static void writeManifest(
            ObjectStore store,
            String key,
            ArchiveSegmentWriter.Segment s,
            long last,
            String md5,
            Instant newest,
            Instant now)
            throws IOException {
        byte[] old = store.get(MANIFEST);
        ObjectNode m = old == null
                ? Json.mapper().createObjectNode().put("format", 1).put("engine", "postgres")
                : (ObjectNode) Json.mapper().readTree(old);
        ArrayNode list = m.has("segments") ? (ArrayNode) m.get("segments") : m.putArray("segments");
        for (JsonNode e : list) {
            if (e.path("key").asText().equals(key)) {
                return; // a retry after a crash: the same range, the same bytes
            }
        }
        list.addObject()
                .put("key", key)
                .put("base", s.base())
                .put("last", last)
                .put("records", s.records())
                .put("extent", s.extent())
                .put("blocks", s.blocks())
                .put("table_offset", s.tableOffset())
                .put("bytes", s.bytes().length)
                .put("md5", md5)
                .put("newest_event_ms", newest.toEpochMilli())
                .put("archived_ms", now.toEpochMilli());
        store.put(MANIFEST, Json.mapper().writeValueAsBytes(m));
    }

    /** The last archived position (0: none). */
    public long archivedUpTo() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT position FROM " + schema + ".checkpoints WHERE name = ?")) {
            ps.setString(1, CHECKPOINT);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Long.parseLong(rs.getString(1)) : 0;
            }
        }
    }

    /**
     * In one transaction: lists the object and its aggregates in the archive index (so reads find them) and moves the
     * archived position to {@code position}; the rows are deleted only after this commits.
     */
    private void saveArchivedUpTo(
            long position, ArchiveIndex.SegmentRow row, List<RecordedEvent> events, int[] recordBlocks)
            throws SQLException {
        inTransaction(c -> {
            index.save(c, row, events, recordBlocks);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
                    + ".checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position ="
                    + " excluded.position, updated_at = now()")) {
                ps.setString(1, CHECKPOINT);
                ps.setString(2, Long.toString(position));
                ps.executeUpdate();
            }
        });
    }

    private interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    private void inTransaction(SqlWork work) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Indexes the manifest's objects at or below {@code archivedUpTo} that the archive index does not list: the rows
     * of stores archived before the index existed (schema 7) are gone, and reads find them only through the index.
     * Each object is downloaded once and checked (MD5, CRCs) before it is listed.
     */
    private void indexMissing(ObjectStore store, long archivedUpTo) throws IOException, SQLException {
        try (Connection c = ds.getConnection()) {
            if (archivedUpTo == 0 || index.unindexedUpTo(c) == 0) {
                return; // the index reaches the archived position: nothing to read from the archive
            }
        }
        byte[] m = store.get(MANIFEST);
        if (m == null) {
            return;
        }
        java.util.Set<String> listed;
        try (Connection c = ds.getConnection()) {
            listed = new java.util.HashSet<>(index.keys(c));
        }
        for (JsonNode entry : Json.mapper().readTree(m).path("segments")) {
            String key = entry.path("key").asText();
            if (listed.contains(key) || entry.path("last").asLong() > archivedUpTo) {
                continue;
            }
            byte[] bytes = store.get(key);
            if (bytes == null || !md5(bytes).equals(entry.path("md5").asText())) {
                throw new IOException(key + " is missing from the archive or does not match its MD5 in the manifest");
            }
            ArchiveSegmentReader.Decoded d;
            try {
                d = ArchiveSegmentReader.decode(bytes, key);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            List<RecordedEvent> events = new ArrayList<>();
            List<Integer> blocks = new ArrayList<>();
            long[] firsts = new long[d.blockEvents().size()];
            for (int b = 0; b < d.blockEvents().size(); b++) {
                List<RecordedEvent> block = d.blockEvents().get(b);
                firsts[b] = block.isEmpty() ? 0 : ArchiveSegmentWriter.position(block.getFirst());
                for (RecordedEvent e : block) {
                    events.add(e);
                    blocks.add(b);
                }
            }
            if (events.isEmpty()) {
                continue;
            }
            ArchiveIndex.SegmentRow row = new ArchiveIndex.SegmentRow(
                    key,
                    d.base(),
                    ArchiveSegmentWriter.position(events.getLast()),
                    events.size(),
                    d.extent(),
                    firsts.length,
                    d.tableOffset(),
                    bytes.length,
                    md5(bytes),
                    d.table(),
                    firsts);
            int[] recordBlocks = blocks.stream().mapToInt(Integer::intValue).toArray();
            inTransaction(c -> index.save(c, row, events, recordBlocks));
        }
    }

    /** Deletes the archived rows up to {@code upTo} but each aggregate's last event. */
    private void deleteArchived(long upTo) throws SQLException {
        if (upTo == 0) {
            return;
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".events d WHERE d.position <= ?"
                        + " AND d.version < (SELECT l.version FROM " + schema + ".events l WHERE l.aggregate_id ="
                        + " d.aggregate_id ORDER BY l.version DESC LIMIT 1)")) {
            ps.setLong(1, upTo);
            ps.executeUpdate();
        }
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
