package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.PageBudget;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The engine's queries: global pages (through the {@code read_all} function, gap-free), aggregate pages, versions, the
 * head, and event lookups by id. Every method borrows a pooled connection for one statement.
 *
 * <p>Unfiltered global reads read ahead: a page of {@value #READ_AHEAD} events (fewer where the byte budget stops it)
 * is fetched and kept (the last {@value #CHUNKS} such chunks), and the following small pages of a subscriber catching
 * up are cut from it, each stopped at the budget too. That is safe because a chunk is everything in its position
 * range: the rows below the visible bound are final and events are immutable. Thread-safe: {@code chunks} is guarded
 * by the instance lock.
 */
public final class EventReader {
    static final int READ_AHEAD = 4096;
    static final int CHUNKS = 4;

    /** Every event with a position in {@code (after, last]}, in order. */
    private record Chunk(long after, long last, List<RecordedEvent> events) {
        boolean covers(long position) {
            return after <= position && position < last;
        }

        /** The events after {@code from}: at most {@code limit}, stopped at {@code budget} as {@link PageBudget}. */
        GlobalSlice slice(long from, int limit, long budget) {
            int lo = 0;
            int hi = events.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (value(events.get(mid)) <= from) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int end = lo;
            int max = Math.min(events.size(), lo + limit);
            for (long bytes = 0; end < max && bytes < budget; end++) {
                bytes += PageBudget.bytes(events.get(end));
            }
            List<RecordedEvent> page = events.subList(lo, end);
            return new GlobalSlice(page, page.getLast().position());
        }
    }

    private final Chunk[] chunks = new Chunk[CHUNKS];
    private int nextChunk;
    /** The {@code archived} column of {@code read_page3}: after {@code head} and the {@link #COLUMNS}. */
    private static final int ARCHIVED_COLUMN = 13;
    /** The {@code stopped} column of {@code read_page3}: the byte budget ended the page. */
    private static final int STOPPED_COLUMN = 14;

    private static final String COLUMNS = "position, aggregate_id, version, event_id, event_type, schema_version,"
            + " event_data, metadata, ts, ts_nanos, recorded_at";

    private final DataSource ds;
    private final String readAll;
    private final String head;
    private final String forward;
    private final String backward;
    private final String last;
    private final String byIds;
    private final String deletedIds;

    public EventReader(DataSource ds, String schema) {
        this.ds = ds;
        this.deletedIds = "SELECT i.event_id, i.aggregate_id, i.version FROM " + schema
                + ".event_ids i WHERE i.event_id = ANY (?) AND NOT EXISTS"
                + " (SELECT 1 FROM " + schema + ".events e WHERE e.aggregate_id = i.aggregate_id"
                + " AND e.version = i.version)";
        // read_page3 (schema 12): read_page2 (no head for unfiltered pages) that stops at the byte budget in the
        // server, so that no more than the budget and one event is ever sent to the driver, which holds a whole result
        this.readAll = "SELECT head, " + COLUMNS + ", archived, stopped FROM " + schema + ".read_page3(?, ?, ?, ?, ?)";
        this.head = "SELECT " + schema + ".head()";
        this.forward = "SELECT " + COLUMNS + " FROM " + schema + ".events WHERE aggregate_id = ? AND version >= ?"
                + " ORDER BY version LIMIT ?";
        this.backward = "SELECT " + COLUMNS + " FROM " + schema + ".events WHERE aggregate_id = ? AND version <= ?"
                + " ORDER BY version DESC LIMIT ?";
        this.last = "SELECT version, " + SingleAppend.epochMicros("ts") + ", ts_nanos FROM " + schema
                + ".events WHERE aggregate_id = ? ORDER BY version DESC LIMIT 1";
        this.byIds = "SELECT " + COLUMNS.replaceAll("(\\w+)", "e.$1") + " FROM " + schema + ".event_ids i JOIN "
                + schema + ".events e ON e.aggregate_id = i.aggregate_id AND e.version = i.version"
                + " WHERE i.event_id = ANY (?)";
    }

    /**
     * A gap-free page of the table's part of the global log after {@code after}; {@code next} is the head when the log
     * is exhausted. Rows at or below the archived position are not all there (ADR 0017): {@link #readPage} says where
     * that is.
     */
    public GlobalSlice readAll(long after, int limit, EventFilter filter) throws SQLException {
        return readPage(after, limit, filter).slice();
    }

    /**
     * A page read from the table, and the archived position read after it ({@code -1} when the page came from the
     * read-ahead, which never holds a page read below the archived position).
     */
    public record Page(GlobalSlice slice, long archivedUpTo) {}

    /**
     * {@link #readAll}, and then, on the same connection, the archived position: if {@code after} is below it, the page
     * may lack archived events (read them from the archive instead). Read after the page, so an archive run whose
     * deletes the page missed has moved the position the caller sees.
     */
    public Page readPage(long after, int limit, EventFilter filter) throws SQLException {
        return readPage(after, limit, filter, PageBudget.BYTES);
    }

    /**
     * {@link #readPage(long, int, EventFilter)} stopped once its events hold {@code budget} bytes ({@code <=}
     * {@link PageBudget#BYTES}; what is left of the budget when part of a page came from elsewhere): at least one
     * event, at most the budget and one event.
     */
    public Page readPage(long after, int limit, EventFilter filter, long budget) throws SQLException {
        if (!filter.isAll() || limit >= READ_AHEAD) {
            return query(after, limit, filter, budget);
        }
        Chunk cached = cached(after);
        if (cached != null) {
            return new Page(cached.slice(after, limit, budget), -1);
        }
        // the read-ahead stops at the whole budget, so a page cut from it is never more than a page read directly
        Page ahead = query(after, READ_AHEAD, filter, PageBudget.BYTES);
        List<RecordedEvent> events = ahead.slice().events();
        if (events.isEmpty()) {
            return ahead;
        }
        Chunk chunk = new Chunk(after, value(events.getLast()), events);
        GlobalSlice page = chunk.slice(after, limit, budget);
        if (page.events().size() == events.size()) {
            return ahead; // all of it, with the next the server's answer gave
        }
        if (after >= ahead.archivedUpTo()) { // else archived events are missing from it: never kept
            remember(chunk);
        }
        return new Page(page, ahead.archivedUpTo());
    }

    private synchronized @Nullable Chunk cached(long after) {
        for (Chunk c : chunks) {
            if (c != null && c.covers(after)) {
                return c;
            }
        }
        return null;
    }

    /** Drops the read-ahead pages (rows in them were deleted). */
    public synchronized void forget() {
        java.util.Arrays.fill(chunks, null);
    }

    private synchronized void remember(Chunk chunk) {
        chunks[nextChunk] = chunk;
        nextChunk = (nextChunk + 1) % CHUNKS;
    }

    private static long value(RecordedEvent e) {
        return ((Position.Sequence) e.position()).value();
    }

    private Page query(long after, int limit, EventFilter filter, long budget) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(readAll)) {
            ps.setLong(1, after);
            ps.setInt(2, limit);
            if (filter.eventTypes().isEmpty()) {
                ps.setNull(3, Types.ARRAY);
            } else {
                ps.setArray(3, c.createArrayOf("text", filter.eventTypes().toArray()));
            }
            if (filter.aggregatePrefix().isEmpty()) {
                ps.setNull(4, Types.VARCHAR);
            } else {
                ps.setString(4, filter.aggregatePrefix());
            }
            ps.setLong(5, budget);
            List<RecordedEvent> events = new ArrayList<>(Math.min(limit, 1024));
            long headValue = 0;
            long archived = 0;
            boolean stopped = false;
            // read_page3: the page's rows, at most the byte budget and one event (the server stops there), then one
            // row (no position) with the archived position read after them and whether the budget stopped the page
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    headValue = rs.getLong(1);
                    rs.getLong(2);
                    if (rs.wasNull()) {
                        archived = rs.getLong(ARCHIVED_COLUMN);
                        stopped = rs.getBoolean(STOPPED_COLUMN);
                    } else {
                        events.add(event(rs, 2));
                    }
                }
            }
            boolean unfiltered =
                    filter.eventTypes().isEmpty() && filter.aggregatePrefix().isEmpty();
            long next;
            if (events.size() >= limit || stopped) {
                // full, or stopped by the byte budget: more may follow its last event, unread
                next = value(events.getLast());
            } else if (unfiltered) {
                // read_page2 leaves out the head here: a short unfiltered page holds every visible event after
                // `after`, so its last one is the head, and an empty page leaves the reader where it is
                next = events.isEmpty() ? after : value(events.getLast());
            } else {
                next = Math.max(after, headValue);
            }
            return new Page(new GlobalSlice(events, Position.of(next)), archived);
        }
    }

    /** The last visible position, 0 if none. */
    public long head() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(head);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir)
            throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(dir == ReadDirection.FORWARD ? forward : backward)) {
            ps.setString(1, aggregateId);
            ps.setLong(2, fromVersion);
            ps.setInt(3, limit);
            List<RecordedEvent> out = new ArrayList<>(Math.min(limit, 1024));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(event(rs, 1));
                }
            }
            return out;
        }
    }

    /** An aggregate's version and the timestamp of its last event ({@code null} when it has none). */
    public record LastEvent(long version, @Nullable Instant timestamp) {}

    public long aggregateVersion(String aggregateId) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return lastEvent(c, aggregateId).version();
        }
    }

    /** The aggregate's last event as {@code c} sees it now (version 0 and no timestamp when it has none). */
    public LastEvent lastEvent(Connection c, String aggregateId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(last)) {
            ps.setString(1, aggregateId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new LastEvent(rs.getLong(1), SingleAppend.instant(rs.getLong(2), rs.getShort(3)))
                        : new LastEvent(0, null);
            }
        }
    }

    /** The stored events with these ids, by id (absent ids are missing from the map). */
    public Map<UUID, RecordedEvent> byIds(List<UUID> ids) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(byIds)) {
            return byIds(c, ps, ids);
        }
    }

    /**
     * Which of {@code ids} belong to events that retention deleted (their {@code event_ids} row stays so that the id
     * is never reused, ADR 0017).
     */
    public List<UUID> deletedIds(Connection c, List<UUID> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deletedIds)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            List<UUID> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
            return out;
        }
    }

    /** An event id whose event's row is gone from the table: archived (ADR 0017) or deleted by retention. */
    public record GoneId(UUID eventId, String aggregateId, long version) {}

    /** Which of {@code ids} are stored in {@code event_ids} but have no row in the table, with where they were. */
    public List<GoneId> goneIds(Connection c, List<UUID> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(deletedIds)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            List<GoneId> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new GoneId(rs.getObject(1, UUID.class), rs.getString(2), rs.getLong(3)));
                }
            }
            return out;
        }
    }

    /** {@link #byIds(List)} on a connection the caller holds (inside its transaction). */
    public Map<UUID, RecordedEvent> byIds(Connection c, List<UUID> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(byIds)) {
            return byIds(c, ps, ids);
        }
    }

    private static Map<UUID, RecordedEvent> byIds(Connection c, PreparedStatement ps, List<UUID> ids)
            throws SQLException {
        Array array = c.createArrayOf("uuid", ids.toArray());
        ps.setArray(1, array);
        Map<UUID, RecordedEvent> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                RecordedEvent e = event(rs, 1);
                out.put(e.eventId(), e);
            }
        }
        return out;
    }

    /** Maps the {@link #COLUMNS} starting at column {@code at}. */
    private static RecordedEvent event(ResultSet rs, int at) throws SQLException {
        long position = rs.getLong(at);
        String aggregateId = rs.getString(at + 1);
        long version = rs.getLong(at + 2);
        UUID id = rs.getObject(at + 3, UUID.class);
        String type = rs.getString(at + 4);
        int schemaVersion = rs.getInt(at + 5);
        String data = rs.getString(at + 6);
        String metadata = rs.getString(at + 7);
        Instant ts = instant(rs.getObject(at + 8, OffsetDateTime.class)).plusNanos(rs.getShort(at + 9));
        Instant recordedAt = instant(rs.getObject(at + 10, OffsetDateTime.class));
        return new RecordedEvent(
                id, aggregateId, type, schemaVersion, data, metadata, version, Position.of(position), ts, recordedAt);
    }

    private static Instant instant(OffsetDateTime t) {
        return t.toInstant();
    }
}
