package dev.hindsight.store.postgres;

import com.github.luben.zstd.Zstd;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.store.postgres.internal.Migrations;
import dev.hindsight.store.postgres.internal.Retrying;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Snapshots in the {@code snapshots} table, kept per a {@link SnapshotRetention}: saving one deletes those the rule
 * drops, serialized per aggregate by an advisory lock; a save is one round trip unless retention drops something. States
 * are stored zstd-compressed ({@code state_zstd}, schema 5; rows written before keep their {@code json} state and are
 * read as they are). Snapshots are derived data, so saves
 * commit with {@code synchronous_commit = off}: a crash may lose the newest ones, which only costs a longer replay.
 * {@link #saveAll} writes snapshots of distinct aggregates in one statement (the same locks, upsert and retention as
 * a save of each). Thread-safe; the caller owns the pool.
 */
public final class PostgresSnapshotStore implements SnapshotStore {
    private static final int LEVEL = 3;

    private final DataSource ds;
    private final SnapshotRetention retention;
    private final Retrying retrying;
    private final String schema;
    private final String upsert;
    private final String upsertMany;
    private final String delete;
    private final String deleteMany;
    private final String select;
    private final String selectLatest;
    private final String size;

    private PostgresSnapshotStore(DataSource ds, String schema, SnapshotRetention retention, Retrying retrying) {
        this.ds = ds;
        this.retention = retention;
        this.retrying = retrying;
        this.schema = schema;
        // One round trip: commit without waiting for the WAL flush (transaction-local, so for this statement's own
        // transaction in auto-commit), serialize per aggregate, upsert, and return every kept version newest first
        // (the main query's snapshot predates the insert, so the inserted version is added to it).
        this.upsert = "WITH l AS (SELECT set_config('synchronous_commit', 'off', true),"
                + " pg_advisory_xact_lock(hashtextextended('" + schema + ".snapshots/' || ?, 0))),"
                + " ins AS (INSERT INTO " + schema + ".snapshots (aggregate_id, version, ts, ts_nanos, state_schema,"
                + " state_zstd) SELECT ?, ?, ?, ?, ?, ? FROM l ON CONFLICT (aggregate_id, version) DO UPDATE SET"
                + " ts = excluded.ts, ts_nanos = excluded.ts_nanos, state_schema = excluded.state_schema,"
                + " state = NULL, state_zstd = excluded.state_zstd, saved_at = now() RETURNING version)"
                + " SELECT version FROM ins UNION SELECT version FROM " + schema + ".snapshots"
                + " WHERE aggregate_id = ? ORDER BY 1 DESC";
        // The same for snapshots of distinct aggregates: their locks in sorted key order (so that two batches cannot
        // deadlock), one upsert, and every kept version of each, by aggregate, newest first.
        this.upsertMany = "WITH l AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true),"
                + " (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM"
                + " (SELECT k FROM unnest(?::text[]) k ORDER BY 1) o) AS locked),"
                + " ins AS (INSERT INTO " + schema + ".snapshots (aggregate_id, version, ts, ts_nanos, state_schema,"
                + " state_zstd) SELECT u.a, u.v, to_timestamp(u.sec) + (u.nano / 1000) * interval '1 microsecond',"
                + " (u.nano % 1000)::smallint, u.sch, u.z FROM l, unnest(?::text[], ?::bigint[], ?::bigint[],"
                + " ?::int[], ?::text[], ?::bytea[]) AS u(a, v, sec, nano, sch, z)"
                + " ON CONFLICT (aggregate_id, version) DO UPDATE SET"
                + " ts = excluded.ts, ts_nanos = excluded.ts_nanos, state_schema = excluded.state_schema,"
                + " state = NULL, state_zstd = excluded.state_zstd, saved_at = now() RETURNING aggregate_id, version)"
                // per aggregate (OFFSET 0: not flattened into a join), as the single save looks: with "= ANY (array)"
                // the planner chose a sequential scan of the young table (measured: 140 rows read per event)
                + " SELECT aggregate_id, version FROM ins UNION SELECT k.aggregate_id, k.version FROM"
                + " unnest(?::text[]) AS a(id) JOIN LATERAL (SELECT x.aggregate_id, x.version FROM " + schema
                + ".snapshots x WHERE x.aggregate_id = a.id OFFSET 0) k ON true ORDER BY 1, 2 DESC";
        this.deleteMany = "WITH l AS (SELECT set_config('synchronous_commit', 'off', true)) DELETE FROM " + schema
                + ".snapshots s USING l, unnest(?::text[], ?::bigint[]) AS d(a, v)"
                + " WHERE s.aggregate_id = d.a AND s.version = d.v";
        this.size = "SELECT pg_total_relation_size('" + schema + ".snapshots')";
        // Without a WAL flush of its own either: a drop lost to a crash leaves a spare snapshot. With it, retention's
        // deletes waited on WALSync/WALWrite under the seed's load, holding a store connection meanwhile (session 14).
        this.delete = "WITH l AS (SELECT set_config('synchronous_commit', 'off', true)) DELETE FROM " + schema
                + ".snapshots USING l WHERE aggregate_id = ? AND version = ANY (?)";
        this.select = "SELECT aggregate_id, version, ts, ts_nanos, state_schema, state, state_zstd FROM " + schema
                + ".snapshots WHERE aggregate_id = ? ORDER BY version DESC";
        // (ts, ts_nanos) compares as the instant: ts is the timestamp truncated to microseconds, ts_nanos the rest
        this.selectLatest = "SELECT aggregate_id, version, ts, ts_nanos, state_schema, state, state_zstd FROM " + schema
                + ".snapshots WHERE aggregate_id = ? AND version <= ? AND (ts, ts_nanos) <= (?, ?)"
                + " ORDER BY version DESC LIMIT 1";
    }

    /**
     * A snapshot store in the schema of {@code options} on {@code dataSource} (for instance
     * {@link PostgresEventLog#dataSource()}), migrating the schema first unless {@link PostgresOptions#migrate()} is
     * off.
     */
    public static PostgresSnapshotStore open(
            DataSource dataSource, PostgresOptions options, SnapshotRetention retention) {
        if (options.migrate()) {
            Migrations.migrate(dataSource, options.schema(), options.partitions());
        }
        return new PostgresSnapshotStore(
                dataSource, options.schema(), retention, new Retrying(options.retryFor(), () -> false));
    }

    @Override
    public void save(Snapshot s) {
        retrying.run("saving a snapshot of '" + s.aggregateId() + "'", () -> {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(true);
                saveIn(c, s);
            }
            return null;
        });
    }

    /**
     * Snapshots of distinct aggregates in one auto-committed statement (and one more for what retention drops); a
     * second snapshot of an aggregate goes in a later statement, so that they are saved in order.
     */
    @Override
    public void saveAll(List<Snapshot> snapshots) {
        List<Snapshot> left = snapshots;
        while (!left.isEmpty()) {
            if (left.size() == 1) {
                save(left.getFirst());
                return;
            }
            List<Snapshot> round = new ArrayList<>(left.size());
            List<Snapshot> later = new ArrayList<>();
            Set<String> aggregates = new HashSet<>();
            for (Snapshot s : left) {
                (aggregates.add(s.aggregateId()) ? round : later).add(s);
            }
            retrying.run("saving " + round.size() + " snapshots", () -> {
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(true);
                    saveAllIn(c, round);
                }
                return null;
            });
            left = later;
        }
    }

    private void saveAllIn(Connection c, List<Snapshot> round) throws SQLException {
        int n = round.size();
        String[] keys = new String[n];
        String[] ids = new String[n];
        long[] versions = new long[n];
        long[] seconds = new long[n];
        int[] nanos = new int[n];
        String[] schemas = new String[n];
        byte[][] states = new byte[n][];
        for (int i = 0; i < n; i++) {
            Snapshot s = round.get(i);
            keys[i] = schema + ".snapshots/" + s.aggregateId();
            ids[i] = s.aggregateId();
            versions[i] = s.version();
            seconds[i] = s.timestamp().getEpochSecond();
            nanos[i] = s.timestamp().getNano();
            schemas[i] = s.stateSchema();
            states[i] = Zstd.compress(s.state().getBytes(StandardCharsets.UTF_8), LEVEL);
        }
        Map<String, List<Long>> all = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(upsertMany)) {
            Object[] params = {keys, ids, versions, seconds, nanos, schemas, states, ids};
            for (int p = 0; p < params.length; p++) {
                ps.setObject(p + 1, params[p]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        }
        List<String> dropIds = new ArrayList<>();
        List<Long> dropVersions = new ArrayList<>();
        for (Map.Entry<String, List<Long>> e : all.entrySet()) {
            List<Long> kept = retention.retain(e.getValue(), v -> v);
            for (Long v : e.getValue()) {
                if (!kept.contains(v)) {
                    dropIds.add(e.getKey());
                    dropVersions.add(v);
                }
            }
        }
        if (!dropIds.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(deleteMany)) {
                ps.setObject(1, dropIds.toArray(String[]::new));
                ps.setObject(2, dropVersions.stream().mapToLong(Long::longValue).toArray());
                ps.executeUpdate();
            }
        }
    }

    /**
     * Upserts and reads the kept versions in one auto-committed statement; drops what retention no longer keeps in a
     * second one, only when there is something to drop (a dropped snapshot left behind by a crash in between is only
     * a spare one).
     */
    private void saveIn(Connection c, Snapshot s) throws SQLException {
        List<Long> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(upsert)) {
            ps.setString(1, s.aggregateId());
            ps.setString(2, s.aggregateId());
            ps.setLong(3, s.version());
            // The driver rounds to microseconds; truncate, and keep the remaining nanoseconds apart.
            ps.setObject(4, OffsetDateTime.ofInstant(s.timestamp().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
            ps.setShort(5, (short) (s.timestamp().getNano() % 1000));
            ps.setString(6, s.stateSchema());
            ps.setBytes(7, Zstd.compress(s.state().getBytes(StandardCharsets.UTF_8), LEVEL));
            ps.setString(8, s.aggregateId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    all.add(rs.getLong(1));
                }
            }
        }
        List<Long> kept = retention.retain(all, v -> v);
        if (kept.size() < all.size()) {
            List<Long> dropped = new ArrayList<>(all);
            dropped.removeAll(kept);
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setString(1, s.aggregateId());
                ps.setArray(2, c.createArrayOf("int8", dropped.toArray()));
                ps.executeUpdate();
            }
        }
    }

    /** The {@code snapshots} table with its indexes and TOAST data. */
    @Override
    public long bytesOnDisk() {
        return retrying.run("measuring the snapshots", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(size);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<Snapshot> snapshots(String aggregateId) {
        return retrying.run("reading snapshots of '" + aggregateId + "'", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, aggregateId);
                return read(ps);
            }
        });
    }

    /** One query for just the snapshot a load needs. */
    @Override
    public @Nullable Snapshot latest(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        return retrying.run("reading the latest snapshot of '" + aggregateId + "'", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(selectLatest)) {
                Instant bound = asOf == null ? Instant.parse("9999-12-31T23:59:59.999999999Z") : asOf;
                ps.setString(1, aggregateId);
                ps.setLong(2, maxVersion);
                ps.setObject(3, OffsetDateTime.ofInstant(bound.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
                ps.setShort(4, (short) (bound.getNano() % 1000));
                List<Snapshot> found = read(ps);
                return found.isEmpty() ? null : found.getFirst();
            }
        });
    }

    private static List<Snapshot> read(PreparedStatement ps) throws SQLException {
        List<Snapshot> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Instant ts = rs.getObject(3, OffsetDateTime.class).toInstant().plusNanos(rs.getShort(4));
                byte[] zstd = rs.getBytes(7);
                String state =
                        zstd == null ? rs.getString(6) : new String(Zstd.decompress(zstd), StandardCharsets.UTF_8);
                out.add(new Snapshot(rs.getString(1), rs.getLong(2), ts, rs.getString(5), state));
            }
        }
        return out;
    }

    /** Nothing to release: the pool belongs to the caller. */
    @Override
    public void close() {}
}
