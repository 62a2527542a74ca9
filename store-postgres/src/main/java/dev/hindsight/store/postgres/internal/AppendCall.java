package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Several appends to distinct aggregates in one round trip and one transaction, set-based, for group commit: first
 * the aggregates' advisory locks in key order (so concurrent batches cannot deadlock) and the store's appender lock
 * (see {@link SingleAppend} for why the locks come before anything that assigns the transaction id), then one
 * statement, with a snapshot taken after the locks, that reads every aggregate's last event, checks each append
 * against it, and inserts the events and event ids of those that pass, returning for each append either its result
 * or what it was checked against. A rejected append changes nothing and does not fail the others. Stateless,
 * thread-safe.
 */
public final class AppendCall {

    /** One append to make. */
    public record Request(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {}

    /** What happened to one append. */
    public enum Status {
        /** Appended; the outcome carries its first version and last position. */
        APPENDED,
        /** The expected version did not match; the outcome carries the actual version. */
        WRONG_VERSION,
        /** The first event's timestamp is before the aggregate's last; the outcome carries both. */
        TIMESTAMP_BEFORE_LAST,
        /** Not appended for no reason the checks name (defensive; the locks rule out races): try again. */
        RETRY,
        /** An event id is already stored (a unique violation on {@code event_ids}). */
        DUPLICATE_ID
    }

    /**
     * The outcome of one append.
     *
     * @param version first version when appended, else the aggregate's version
     * @param position position of the last appended event, when appended
     * @param lastTimestamp the aggregate's last timestamp, for {@link Status#TIMESTAMP_BEFORE_LAST}
     * @param notified whether the append's transaction also sent the commit notification for it
     */
    public record Outcome(
            Status status,
            long version,
            long position,
            @Nullable Instant lastTimestamp,
            boolean notified) {
        /** An outcome without a notification. */
        public Outcome(Status status, long version, long position, @Nullable Instant lastTimestamp) {
            this(status, version, position, lastTimestamp, false);
        }
    }

    private final String schema;
    private final String channel;
    private final NotifyClaims claimNotification;
    private final String lock;
    private final String sql;

    /**
     * @param channel the commit-notification channel
     * @param claimNotification asked once per batch whether its transaction should send the commit notification
     */
    public AppendCall(String schema, String channel, NotifyClaims claimNotification) {
        this.schema = schema;
        this.channel = channel;
        this.claimNotification = claimNotification;
        String s = schema + ".";
        this.lock = "SELECT " + SingleAppend.PLAN_SETTINGS + ", (SELECT count(pg_advisory_xact_lock(k)) FROM"
                + " (SELECT hashtextextended(x, 1752066404) AS k FROM unnest(?::text[]) x ORDER BY 1) l)";
        // r: each append with its aggregate's last event (by the primary key, one partition per lookup), or version 0
        // and no timestamp; b: those that pass their checks; k: the store's appender lock, taken (once: MATERIALIZED,
        // never inlined) when o is first read, before e writes anything; o: the first versions and offsets in the
        // transaction of the appends that pass.
        this.sql = "WITH a AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::int[], ?::bigint[], ?::int[],"
                + " ?::int[]) WITH ORDINALITY AS a(agg, exp, n, fsec, fnano, eoff, i)),\n"
                + "r AS (SELECT a.*, coalesce(l.version, 0) AS v, l.ts, l.ts_nanos AS tn FROM a LEFT JOIN LATERAL"
                + " (SELECT e.version, e.ts, e.ts_nanos FROM " + s + "events e WHERE e.aggregate_id = a.agg"
                + " ORDER BY e.version DESC LIMIT 1) l ON true),\n"
                + "b AS (SELECT r.* FROM r WHERE (r.exp = -1 OR (r.exp = -2 AND r.v > 0) OR r.v = r.exp)"
                + " AND (r.ts IS NULL OR (r.ts, r.tn) <= (" + SingleAppend.timestamp("r.fsec", "r.fnano")
                + ", (r.fnano % 1000)::smallint))),\n"
                + "k AS MATERIALIZED (SELECT " + SingleAppend.appenderLock(schema) + " AS held),\n"
                + "o AS (SELECT b.i, b.v AS v0, b.agg, b.n, b.eoff, (sum(b.n) OVER (ORDER BY b.i) - b.n)::int AS pbase"
                + " FROM b, k),\n"
                + "e AS (INSERT INTO " + s + "events (position, version, ts, event_id, schema_version, ts_nanos,"
                + " aggregate_id, event_type, event_data, metadata)"
                + " SELECT (pg_current_xact_id()::text::bigint << 20) + o.pbase + (u.ord - o.eoff) - 1,"
                + " o.v0 + (u.ord - o.eoff), " + SingleAppend.timestamp("u.sec", "u.nano") + ", u.id,"
                + " u.sv, (u.nano % 1000)::smallint, o.agg, u.ty, u.d::json, u.m::json"
                + " FROM unnest(?::int[], ?::uuid[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::int[])"
                + " WITH ORDINALITY AS u(app, id, ty, sv, d, m, sec, nano, ord) JOIN o ON o.i = u.app"
                + " RETURNING event_id, version, aggregate_id, position),\n"
                + "x AS (INSERT INTO " + s + "event_ids (event_id, version, aggregate_id)"
                + " SELECT event_id, version, aggregate_id FROM e),\n"
                + "m AS (SELECT max(position) AS p FROM e),\n"
                + "n AS (SELECT pg_notify(?, m.p::text) FROM m WHERE ? AND m.p IS NOT NULL)\n"
                + "SELECT r.i, o.v0, o.pbase, o.n, (SELECT p FROM m), (SELECT count(*) FROM n), r.v, "
                + SingleAppend.epochMicros("r.ts") + ", r.tn FROM r LEFT JOIN o ON o.i = r.i";
    }

    /**
     * Runs the appends on {@code c} (in autocommit mode, as one transaction) and returns one outcome per request, in
     * order. The aggregates must be distinct, and each append's events in timestamp order.
     *
     * @throws SQLException as raised: a unique violation on {@code event_ids} means some event id is already stored
     */
    public List<Outcome> execute(Connection c, List<Request> requests) throws SQLException {
        int k = requests.size();
        int n = 0;
        for (Request r : requests) {
            n += r.events().size();
        }
        String[] keys = new String[k];
        String[] aggregates = new String[k];
        long[] expected = new long[k];
        int[] counts = new int[k];
        long[] firstSec = new long[k];
        int[] firstNano = new int[k];
        int[] offsets = new int[k];
        int[] owner = new int[n];
        UUID[] ids = new UUID[n];
        String[] types = new String[n];
        int[] schemas = new int[n];
        String[] data = new String[n];
        String[] metadata = new String[n];
        long[] seconds = new long[n];
        int[] nanos = new int[n];
        int e = 0;
        for (int i = 0; i < k; i++) {
            Request r = requests.get(i);
            aggregates[i] = r.aggregateId();
            keys[i] = SingleAppend.lockKey(schema, r.aggregateId());
            expected[i] = encode(r.expected());
            counts[i] = r.events().size();
            offsets[i] = e;
            Instant first = r.events().getFirst().timestamp();
            firstSec[i] = first.getEpochSecond();
            firstNano[i] = first.getNano();
            for (ProposedEvent p : r.events()) {
                owner[e] = i + 1;
                ids[e] = p.eventId();
                types[e] = p.eventType();
                schemas[e] = p.schemaVersion();
                data[e] = p.eventData();
                metadata[e] = p.metadata();
                seconds[e] = p.timestamp().getEpochSecond();
                nanos[e] = p.timestamp().getNano();
                e++;
            }
        }
        Outcome[] out = new Outcome[k];
        boolean notify = claimNotification.claim();
        try (PreparedStatement ps = c.prepareStatement(lock + ";\n" + sql)) {
            // Typed Java arrays go to the server in binary form: no quoting of the JSON texts.
            Object[] params = {
                keys,
                aggregates,
                expected,
                counts,
                firstSec,
                firstNano,
                offsets,
                owner,
                ids,
                types,
                schemas,
                data,
                metadata,
                seconds,
                nanos,
                channel,
                notify
            };
            for (int p = 0; p < params.length; p++) {
                ps.setObject(p + 1, params[p]);
            }
            ps.execute();
            if (!ps.getMoreResults()) {
                throw new SQLException("the group append statement returned no result");
            }
            try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                    int i = rs.getInt(1) - 1;
                    long v0 = rs.getLong(2);
                    if (!rs.wasNull()) {
                        long transaction = rs.getLong(5) >>> 20 << 20;
                        out[i] = new Outcome(
                                Status.APPENDED, v0 + 1, transaction + rs.getInt(3) + rs.getInt(4) - 1, null, notify);
                    } else {
                        long actual = rs.getLong(7);
                        long micros = rs.getLong(8);
                        Instant last = rs.wasNull() ? null : SingleAppend.instant(micros, rs.getShort(9));
                        Request r = requests.get(i);
                        out[i] = why(
                                r.expected(),
                                actual,
                                last,
                                r.events().getFirst().timestamp());
                    }
                }
            }
        } finally {
            if (notify) {
                claimNotification.finished(); // autocommit: the transaction has ended (inline hooks commit later)
            }
        }
        return List.of(out);
    }

    /** Why an append was not made, given the aggregate's version and last timestamp ({@code null}: none). */
    static Outcome why(ExpectedVersion expected, long actual, @Nullable Instant last, Instant first) {
        if (!expected.matches(actual)) {
            return new Outcome(Status.WRONG_VERSION, actual, 0, null);
        }
        if (last != null && first.isBefore(last)) {
            return new Outcome(Status.TIMESTAMP_BEFORE_LAST, actual, 0, last);
        }
        return new Outcome(Status.RETRY, actual, 0, null);
    }

    /** The statements' encoding of an expected version: -1 any, -2 exists, n >= 0 exactly n. */
    static long encode(ExpectedVersion expected) {
        return switch (expected) {
            case ExpectedVersion.Any a -> -1;
            case ExpectedVersion.Exists x -> -2;
            case ExpectedVersion.NoStream s -> 0;
            case ExpectedVersion.Exact v -> v.version();
        };
    }
}
