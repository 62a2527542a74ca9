package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.postgres.internal.AppendCall.Outcome;
import dev.hindsight.store.postgres.internal.AppendCall.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One append as one SQL statement, one round trip and one (autocommit) transaction; the hot path. Group commit uses
 * {@link AppendCall}, which applies the same rules set-based to several aggregates.
 *
 * <p>The statement updates the aggregate's stream row only if the expected version and the timestamp order hold,
 * inserts the events (versions and positions computed from that row and the transaction id) and their ids, and
 * returns the first version and last position; when the row is absent and the append may create the aggregate, it
 * inserts the row instead. Both writes are guarded by the aggregate's advisory lock and then the store's shared
 * appender lock, taken in the WHERE clause and so before the transaction writes anything and gets its id: of two
 * transactions appending to one aggregate the later must get the larger id, or the global order (by transaction id,
 * ADR 0004) would disagree with the version order; and readers find running appenders by the second.
 * Reading the row under a snapshot from before the lock is safe: an UPDATE re-checks its condition on the newest row
 * version, and an INSERT that lost a race to create the row inserts nothing (the append is then retried).
 *
 * <p>Four variants (one or more events × aggregate known to exist or not) keep the statement minimal: a single event
 * needs no arrays, and an aggregate that exists needs no insert branch. Stream rows are never deleted, so the set of
 * aggregates seen to exist ({@link #known}) never goes stale. When nothing was appended, a second query reads the row
 * to say why. Thread-safe.
 */
public final class SingleAppend {
    private static final int KNOWN_MAX = 200_000;

    /**
     * Prefixed to the statements that take arrays. The planner cannot size the unnested arrays, so it kept choosing
     * custom plans (re-planning a statement with several writes and a partitioned insert, about 1 ms, on every
     * execution) and, for batches, sequential scans of {@code streams}. Transaction-local settings: a generic plan,
     * made without sequential scans (every table access of these statements is by key).
     */
    static final String GENERIC_PLAN = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),"
            + " set_config('enable_seqscan', 'off', true);\n";

    private static final Pattern PARAM = Pattern.compile("(?<!:):([a-z]+)");

    /** SQL with {@code :name} parameters turned into positional ones. */
    private record Named(String sql, List<String> names) {
        static Named of(String sql) {
            List<String> names = new ArrayList<>();
            Matcher m = PARAM.matcher(sql);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                names.add(m.group(1));
                m.appendReplacement(out, "?");
            }
            m.appendTail(out);
            return new Named(out.toString(), List.copyOf(names));
        }
    }

    private final String schema;
    private final String channel;
    private final BooleanSupplier claimNotification;
    private final Named oneExisting;
    private final Named oneAny;
    private final Named manyExisting;
    private final Named manyAny;
    private final String stream;
    private final Map<String, Boolean> known = new ConcurrentHashMap<>();

    /**
     * @param channel the commit-notification channel
     * @param claimNotification asked per append whether its transaction should send the commit notification
     */
    public SingleAppend(String schema, String channel, BooleanSupplier claimNotification) {
        this.schema = schema;
        this.channel = channel;
        this.claimNotification = claimNotification;
        String s = schema + ".";
        // CASE fixes the order: the locks only once the row passes the checks (a stale writer does not queue for them).
        String lock = "pg_advisory_xact_lock(hashtextextended(:key, 1752066404)) IS NOT NULL" + " AND "
                + appenderLock(schema) + " IS NOT NULL";
        String check = "(:exp = -1 OR (:exp = -2 AND st.version > 0) OR st.version = :exp)"
                + " AND (st.last_ts_sec, st.last_ts_nano) <= (:fsec, :fnano)";
        String update = "UPDATE " + s + "streams st SET version = st.version + :n, last_ts_sec = :lsec,"
                + " last_ts_nano = :lnano WHERE st.aggregate_id = :agg AND CASE WHEN " + check + " THEN " + lock
                + " ELSE false END"
                + " RETURNING st.version - :n AS v0";
        String create = "INSERT INTO " + s + "streams (aggregate_id, version, last_ts_sec, last_ts_nano)"
                + " SELECT :agg, :n, :lsec, :lnano WHERE CASE WHEN :exp IN (-1, 0)"
                + " AND NOT EXISTS (SELECT 1 FROM " + s + "streams x WHERE x.aggregate_id = :agg) THEN " + lock
                + " ELSE false END"
                + " ON CONFLICT DO NOTHING RETURNING 0::bigint AS v0";
        String columns = " (position, version, ts, event_id, schema_version, ts_nanos, aggregate_id, event_type,"
                + " event_data, metadata)";
        String one = "INSERT INTO " + s + "events" + columns
                + " SELECT pg_current_xact_id()::text::bigint << 20, b.v0 + 1,"
                + " to_timestamp(:fsec) + (:fnano / 1000) * interval '1 microsecond', :id, :sv,"
                + " (:fnano % 1000)::smallint, :agg, :type, :data::json, :meta::json FROM b"
                + " RETURNING event_id, version, aggregate_id, position";
        String many = "INSERT INTO " + s + "events" + columns
                + " SELECT (pg_current_xact_id()::text::bigint << 20) + u.ord - 1, b.v0 + u.ord,"
                + " to_timestamp(u.sec) + (u.nano / 1000) * interval '1 microsecond', u.id, u.sv,"
                + " (u.nano % 1000)::smallint, :agg, u.ty, u.d::json, u.m::json"
                + " FROM b, unnest(:ids::uuid[], :types::text[], :svs::int[], :datas::text[], :metas::text[],"
                + " :secs::bigint[], :nanos::int[]) WITH ORDINALITY AS u(id, ty, sv, d, m, sec, nano, ord)"
                + " RETURNING event_id, version, aggregate_id, position";
        String tail = ", i AS (INSERT INTO " + s + "event_ids (event_id, version, aggregate_id)"
                + " SELECT event_id, version, aggregate_id FROM e),"
                + " m AS (SELECT max(position) AS p FROM e),"
                + " n AS (SELECT pg_notify(:channel, m.p::text) FROM m WHERE :notify AND m.p IS NOT NULL)"
                + " SELECT (SELECT v0 FROM b), (SELECT p FROM m), (SELECT count(*) FROM n)";
        String existing = "WITH b AS (" + update + "), e AS (";
        String any = "WITH s AS (" + update + "), c AS (" + create + "),"
                + " b AS (SELECT v0 FROM s UNION ALL SELECT v0 FROM c), e AS (";
        this.oneExisting = Named.of(existing + one + ")" + tail);
        this.oneAny = Named.of(any + one + ")" + tail);
        this.manyExisting = Named.of(GENERIC_PLAN + existing + many + ")" + tail);
        this.manyAny = Named.of(GENERIC_PLAN + any + many + ")" + tail);
        this.stream = "SELECT version, last_ts_sec, last_ts_nano FROM " + s + "streams WHERE aggregate_id = ?";
    }

    /**
     * The store's shared appender lock, which every appending transaction takes right before it gets its transaction
     * id (after its aggregate locks, so that it is not held while waiting) and holds to its end:
     * {@code visible_bound()} (V1__events.sql) finds the running appenders by it.
     */
    static String appenderLock(String schema) {
        return "pg_advisory_xact_lock_shared(hashtext('" + schema + "') & 2147483647, 1752066404)";
    }

    /** The advisory-lock key of an aggregate (hashed with seed 1752066404 by every statement that locks it). */
    static String lockKey(String schema, String aggregateId) {
        return schema + "/" + aggregateId;
    }

    /**
     * Runs one append on {@code c} (in autocommit mode it is its own transaction). {@code events} are in timestamp
     * order.
     *
     * @throws SQLException as raised: a unique violation on {@code event_ids} means an event id is already stored
     */
    public Outcome execute(Connection c, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events)
            throws SQLException {
        boolean exists = known.containsKey(aggregateId);
        boolean single = events.size() == 1;
        Named sql = single ? (exists ? oneExisting : oneAny) : (exists ? manyExisting : manyAny);
        ProposedEvent first = events.getFirst();
        ProposedEvent last = events.getLast();
        boolean notify = claimNotification.getAsBoolean();
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            for (int i = 0; i < sql.names().size(); i++) {
                String name = sql.names().get(i);
                switch (name) {
                    case "channel" -> ps.setString(i + 1, channel);
                    case "notify" -> ps.setBoolean(i + 1, notify);
                    default -> bind(ps, i + 1, name, aggregateId, expected, events, first, last);
                }
            }
            ps.execute();
            if (!single && !ps.getMoreResults()) {
                throw new SQLException("the append statement returned no result");
            }
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                long v0 = rs.getLong(1);
                if (!rs.wasNull()) {
                    remember(aggregateId);
                    return new Outcome(Status.APPENDED, v0 + 1, rs.getLong(2), null, notify);
                }
            }
        }
        return rejected(c, aggregateId, expected, first.timestamp());
    }

    private void remember(String aggregateId) {
        if (known.size() >= KNOWN_MAX) {
            known.clear();
        }
        known.put(aggregateId, Boolean.TRUE);
    }

    private void bind(
            PreparedStatement ps,
            int at,
            String name,
            String aggregateId,
            ExpectedVersion expected,
            List<ProposedEvent> events,
            ProposedEvent first,
            ProposedEvent last)
            throws SQLException {
        switch (name) {
            case "key" -> ps.setString(at, lockKey(schema, aggregateId));
            case "agg" -> ps.setString(at, aggregateId);
            case "exp" -> ps.setLong(at, AppendCall.encode(expected));
            case "n" -> ps.setInt(at, events.size());
            case "fsec" -> ps.setLong(at, first.timestamp().getEpochSecond());
            case "fnano" -> ps.setInt(at, first.timestamp().getNano());
            case "lsec" -> ps.setLong(at, last.timestamp().getEpochSecond());
            case "lnano" -> ps.setInt(at, last.timestamp().getNano());
            case "id" -> ps.setObject(at, first.eventId());
            case "sv" -> ps.setInt(at, first.schemaVersion());
            case "type" -> ps.setString(at, first.eventType());
            case "data" -> ps.setString(at, first.eventData());
            case "meta" -> ps.setString(at, first.metadata());
            case "ids" ->
                ps.setObject(at, events.stream().map(ProposedEvent::eventId).toArray(UUID[]::new));
            case "types" ->
                ps.setObject(at, events.stream().map(ProposedEvent::eventType).toArray(String[]::new));
            case "svs" ->
                ps.setObject(
                        at,
                        events.stream().mapToInt(ProposedEvent::schemaVersion).toArray());
            case "datas" ->
                ps.setObject(at, events.stream().map(ProposedEvent::eventData).toArray(String[]::new));
            case "metas" ->
                ps.setObject(at, events.stream().map(ProposedEvent::metadata).toArray(String[]::new));
            case "secs" ->
                ps.setObject(
                        at,
                        events.stream()
                                .mapToLong(e -> e.timestamp().getEpochSecond())
                                .toArray());
            case "nanos" ->
                ps.setObject(
                        at,
                        events.stream().mapToInt(e -> e.timestamp().getNano()).toArray());
            default -> throw new IllegalStateException("unknown parameter " + name);
        }
    }

    /** Why nothing was appended, from the stream row as it is now. */
    private Outcome rejected(Connection c, String aggregateId, ExpectedVersion expected, Instant first)
            throws SQLException {
        long actual = 0;
        Instant last = null;
        try (PreparedStatement ps = c.prepareStatement(stream)) {
            ps.setString(1, aggregateId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    actual = rs.getLong(1);
                    last = Instant.ofEpochSecond(rs.getLong(2), rs.getInt(3));
                }
            }
        }
        if (last == null) {
            known.remove(aggregateId);
        } else {
            remember(aggregateId);
        }
        return AppendCall.why(expected, actual, last, first);
    }
}
