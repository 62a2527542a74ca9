package dev.hindsight.store.postgres.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.postgres.RestoredArchive;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Puts the PostgreSQL archive's events back into the events table (ADR 0017): for each range in
 * {@code postgres/manifest.json}, downloads the object, checks its MD5 against the manifest and every CRC
 * ({@link ArchiveSegmentReader}), and inserts its events with their original positions, versions and timestamps,
 * skipping the ones the table still holds (each aggregate's kept last event, or a second restore). Then it forgets
 * the archived position, so that the next archive run does not delete the restored rows again (it exports them anew
 * once they qualify). Restored rows lie below every reader's cursor that had passed them, and appear in order to a
 * reader that starts before them. Not thread-safe: one restore at a time.
 */
public final class ArchiveRestorer {
    private static final int CHUNK = 5_000;

    private final DataSource ds;
    private final String schema;
    private final EventReader reader;

    public ArchiveRestorer(DataSource ds, String schema, EventReader reader) {
        this.ds = ds;
        this.schema = schema;
        this.reader = reader;
    }

    public RestoredArchive restore(ObjectStore store) throws IOException, SQLException {
        byte[] m = store.get(PostgresArchiver.MANIFEST);
        if (m == null) {
            throw new IOException(
                    "no PostgreSQL archive at " + store.describe() + " (no " + PostgresArchiver.MANIFEST + ")");
        }
        JsonNode manifest = Json.mapper().readTree(m);
        refuseIfAhead(manifest);
        int segments = 0;
        long events = 0;
        long inserted = 0;
        for (JsonNode entry : manifest.path("segments")) {
            String key = entry.path("key").asText();
            byte[] bytes = store.get(key);
            if (bytes == null) {
                throw new IOException(
                        key + " is listed in the archive's manifest but missing from " + store.describe());
            }
            String md5 = PostgresArchiver.md5(bytes);
            if (!md5.equals(entry.path("md5").asText())) {
                throw new IOException(key + ": MD5 " + md5 + " does not match the manifest's "
                        + entry.path("md5").asText());
            }
            List<RecordedEvent> list;
            try {
                list = ArchiveSegmentReader.read(bytes, key);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            for (int from = 0; from < list.size(); from += CHUNK) {
                inserted += insert(list.subList(from, Math.min(list.size(), from + CHUNK)));
            }
            events += list.size();
            segments++;
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".checkpoints WHERE name = ?")) {
            ps.setString(1, PostgresArchiver.CHECKPOINT);
            ps.executeUpdate();
        }
        reader.forget();
        return new RestoredArchive(segments, events, inserted);
    }

    /**
     * Refuses an archive whose positions come from transaction ids this cluster has not reached (an archive of a
     * busier cluster restored on a new one): positions are transaction ids (ADR 0004), so its events would lie above
     * the visible bound, unread by the global log, and every append until the ids catch up would sort before them.
     */
    private void refuseIfAhead(JsonNode manifest) throws IOException, SQLException {
        long lastXid = 0;
        for (JsonNode entry : manifest.path("segments")) {
            lastXid = Math.max(lastXid, entry.path("last").asLong() >>> 20);
        }
        long nextXid;
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            nextXid = rs.getLong(1);
        }
        if (lastXid >= nextXid) {
            throw new IOException("the archive's events were written up to transaction id " + lastXid
                    + " of their PostgreSQL cluster, and this cluster's next transaction id is " + nextXid
                    + ": positions are transaction ids (ADR 0004), so restored here they would stay invisible to"
                    + " reads of the global log and new appends would sort before them; restore into a cluster"
                    + " whose transaction ids are past " + lastXid + " (nothing was restored)");
        }
    }

    private long insert(List<RecordedEvent> events) throws SQLException {
        int n = events.size();
        Long[] pos = new Long[n];
        Long[] ver = new Long[n];
        Long[] sec = new Long[n];
        Integer[] nano = new Integer[n];
        Long[] rsec = new Long[n];
        Integer[] rnano = new Integer[n];
        UUID[] id = new UUID[n];
        Integer[] sv = new Integer[n];
        String[] agg = new String[n];
        String[] type = new String[n];
        String[] data = new String[n];
        String[] meta = new String[n];
        for (int i = 0; i < n; i++) {
            RecordedEvent e = events.get(i);
            pos[i] = ArchiveSegmentWriter.position(e);
            ver[i] = e.version();
            sec[i] = e.timestamp().getEpochSecond();
            nano[i] = e.timestamp().getNano();
            rsec[i] = e.recordedAt().getEpochSecond();
            rnano[i] = e.recordedAt().getNano();
            id[i] = e.eventId();
            sv[i] = e.schemaVersion();
            agg[i] = e.aggregateId();
            type[i] = e.eventType();
            data[i] = e.eventData();
            meta[i] = e.metadata();
        }
        String s = schema + ".";
        String sql = "WITH u AS (SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::int[], ?::bigint[],"
                + " ?::int[], ?::uuid[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[])"
                + " AS u(pos, ver, sec, nano, rsec, rnano, id, sv, agg, ty, d, m)),\n"
                + "e AS (INSERT INTO " + s + "events (position, version, ts, ts_nanos, recorded_at, event_id,"
                + " schema_version, aggregate_id, event_type, event_data, metadata)"
                + " SELECT pos, ver, " + SingleAppend.timestamp("sec", "nano") + ", (nano % 1000)::smallint, "
                + SingleAppend.timestamp("rsec", "rnano") + ", id, sv, agg, ty, d::json, m::json FROM u"
                + " ON CONFLICT (aggregate_id, version) DO NOTHING RETURNING 1),\n"
                + "x AS (INSERT INTO " + s + "event_ids (event_id, version, aggregate_id)"
                + " SELECT id, ver, agg FROM u ON CONFLICT (event_id) DO NOTHING)\n"
                + "SELECT count(*) FROM e";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            Object[][] columns = {pos, ver, sec, nano, rsec, rnano, id, sv, agg, type, data, meta};
            String[] types = {
                "bigint", "bigint", "bigint", "int", "bigint", "int", "uuid", "int", "text", "text", "text", "text"
            };
            for (int k = 0; k < columns.length; k++) {
                ps.setArray(k + 1, c.createArrayOf(types[k], columns[k]));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
