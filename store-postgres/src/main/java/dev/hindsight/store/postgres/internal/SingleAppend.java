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
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One append in one round trip and one (autocommit) transaction; the hot path. Group commit uses {@link AppendCall},
 * which applies the same rules set-based to several aggregates.
 *
 * <p>The round trip carries two statements. The first fixes transaction-local planner settings and takes the
 * aggregate's advisory lock, which serializes the aggregate's appends; the second, which gets a fresh snapshot after
 * the lock (READ COMMITTED), reads the aggregate's last event (version and timestamp, by the primary key), checks the
 * expected version and the timestamp order against it, takes the store's shared appender lock, inserts the events
 * (versions and positions computed from the last version and the transaction id) and their ids, and returns the first
 * version and last position together with what it read. Both locks are taken before the transaction writes anything
 * and so before it gets its id: of two transactions appending to one aggregate the later must get the larger id, or
 * the global order (by transaction id, ADR 0004) would disagree with the version order; and readers find running
 * appenders by the second. A rejected append writes nothing, and what the statement read says why; no second query.
 *
 * <p>Two variants (one event, or several as arrays) keep the statement minimal. Thread-safe.
 */
public final class SingleAppend {
    /**
     * Selected by the first statement of every append, with the aggregate locks. The planner cannot size unnested
     * arrays, so it kept choosing custom plans (re-planning a statement with several writes and a partitioned insert, about 1 ms, on every execution) and, for
     * batches, sequential scans; and even for a single event a generic plan costs the server about a sixth less CPU
     * (measured 2026-11-26, {@code PostgresServerCpuBench}). Transaction-local settings: a generic plan, made without
     * sequential scans (every table access of these statements is by key).
     */
    static final String PLAN_SETTINGS =
            "set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)";

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
    private final NotifyClaims claimNotification;
    private final Named one;
    private final Named many;

    /**
     * @param channel the commit-notification channel
     * @param claimNotification asked per append whether its transaction should send the commit notification
     */
    public SingleAppend(String schema, String channel, NotifyClaims claimNotification) {
        this.schema = schema;
        this.channel = channel;
        this.claimNotification = claimNotification;
        String s = schema + ".";
        String lock = "SELECT " + PLAN_SETTINGS + ", pg_advisory_xact_lock(hashtextextended(:key, 1752066404));\n";
        // l: the aggregate's last event; r: what the checks need (version 0 and no timestamp when it has none).
        String read = "WITH l AS (SELECT e.version, e.ts, e.ts_nanos FROM " + s + "events e WHERE e.aggregate_id = :agg"
                + " ORDER BY e.version DESC LIMIT 1),"
                + " r AS (SELECT coalesce((SELECT version FROM l), 0) AS v, (SELECT ts FROM l) AS ts,"
                + " (SELECT ts_nanos FROM l) AS tn),"
                + " b AS (SELECT r.v AS v0 FROM r WHERE (:exp = -1 OR (:exp = -2 AND r.v > 0) OR r.v = :exp)"
                + " AND (r.ts IS NULL OR (r.ts, r.tn) <= (" + timestamp(":fsec", ":fnano")
                + ", (:fnano % 1000)::smallint))"
                + " AND " + appenderLock(schema) + " IS NOT NULL),";
        String columns = " (position, version, ts, event_id, schema_version, ts_nanos, aggregate_id, event_type,"
                + " event_data, metadata)";
        String oneInsert = " e AS (INSERT INTO " + s + "events" + columns
                + " SELECT pg_current_xact_id()::text::bigint << 20, b.v0 + 1, " + timestamp(":fsec", ":fnano")
                + ", :id, :sv, (:fnano % 1000)::smallint, :agg, :type, :data::json, :meta::json FROM b"
                + " RETURNING event_id, version, aggregate_id, position)";
        String manyInsert = " e AS (INSERT INTO " + s + "events" + columns
                + " SELECT (pg_current_xact_id()::text::bigint << 20) + u.ord - 1, b.v0 + u.ord, "
                + timestamp("u.sec", "u.nano") + ", u.id, u.sv, (u.nano % 1000)::smallint, :agg, u.ty, u.d::json,"
                + " u.m::json"
                + " FROM b, unnest(:ids::uuid[], :types::text[], :svs::int[], :datas::text[], :metas::text[],"
                + " :secs::bigint[], :nanos::int[]) WITH ORDINALITY AS u(id, ty, sv, d, m, sec, nano, ord)"
                + " RETURNING event_id, version, aggregate_id, position)";
        String tail = ", i AS (INSERT INTO " + s + "event_ids (event_id, version, aggregate_id)"
                + " SELECT event_id, version, aggregate_id FROM e),"
                + " m AS (SELECT max(position) AS p FROM e),"
                + " n AS (SELECT pg_notify(:channel, m.p::text) FROM m WHERE :notify AND m.p IS NOT NULL)"
                + " SELECT (SELECT v0 FROM b), (SELECT p FROM m), (SELECT count(*) FROM n), r.v, "
                + epochMicros("r.ts") + ", r.tn FROM r";
        this.one = Named.of(lock + read + oneInsert + tail);
        this.many = Named.of(lock + read + manyInsert + tail);
    }

    /** SQL for the {@code timestamptz} of an instant given as epoch seconds and nanoseconds (to the microsecond). */
    static String timestamp(String seconds, String nanos) {
        return "to_timestamp(" + seconds + ") + (" + nanos + " / 1000) * interval '1 microsecond'";
    }

    /** SQL for a {@code timestamptz}'s microseconds since the epoch, exactly (a bigint; NULL for NULL). */
    static String epochMicros(String timestamp) {
        return "(extract(epoch FROM " + timestamp + ") * 1000000)::bigint";
    }

    /** The instant of a stored timestamp: microseconds since the epoch plus the remaining nanoseconds. */
    static Instant instant(long micros, int nanos) {
        return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L + nanos);
    }

    /**
     * The store's shared appender lock, which every appending transaction takes right before it gets its transaction
     * id (after its aggregate locks, so that it is not held while waiting) and holds to its end:
     * {@code visible_bound()} (V1__events.sql, since schema 10 V10__visible_bound_top_level_ids.sql) finds the running
     * appenders by it.
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
        boolean single = events.size() == 1;
        Named sql = single ? one : many;
        ProposedEvent first = events.getFirst();
        boolean notify = claimNotification.claim();
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            for (int i = 0; i < sql.names().size(); i++) {
                String name = sql.names().get(i);
                switch (name) {
                    case "channel" -> ps.setString(i + 1, channel);
                    case "notify" -> ps.setBoolean(i + 1, notify);
                    default -> bind(ps, i + 1, name, aggregateId, expected, events, first);
                }
            }
            ps.execute();
            if (!ps.getMoreResults()) {
                throw new SQLException("the append statement returned no result");
            }
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                long v0 = rs.getLong(1);
                if (!rs.wasNull()) {
                    return new Outcome(Status.APPENDED, v0 + 1, rs.getLong(2), null, notify);
                }
                long actual = rs.getLong(4);
                long micros = rs.getLong(5);
                Instant lastStored = rs.wasNull() ? null : instant(micros, rs.getShort(6));
                return AppendCall.why(expected, actual, lastStored, first.timestamp());
            }
        } finally {
            if (notify) {
                claimNotification.finished(); // autocommit: the transaction has ended (inline hooks commit later)
            }
        }
    }

    private void bind(
            PreparedStatement ps,
            int at,
            String name,
            String aggregateId,
            ExpectedVersion expected,
            List<ProposedEvent> events,
            ProposedEvent first)
            throws SQLException {
        switch (name) {
            case "key" -> ps.setString(at, lockKey(schema, aggregateId));
            case "agg" -> ps.setString(at, aggregateId);
            case "exp" -> ps.setLong(at, AppendCall.encode(expected));
            case "n" -> ps.setInt(at, events.size());
            case "fsec" -> ps.setLong(at, first.timestamp().getEpochSecond());
            case "fnano" -> ps.setInt(at, first.timestamp().getNano());
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
}
