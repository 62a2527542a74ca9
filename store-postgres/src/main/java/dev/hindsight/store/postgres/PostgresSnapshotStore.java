package dev.hindsight.store.postgres;

import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.store.postgres.internal.Migrations;
import dev.hindsight.store.postgres.internal.Retrying;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Snapshots in the {@code snapshots} table, kept per a {@link SnapshotRetention}: saving one deletes those the rule
 * drops, in the same transaction, serialized per aggregate by an advisory lock. Snapshots are derived data, so saves
 * commit with {@code synchronous_commit = off}: a crash may lose the newest ones, which only costs a longer replay.
 * Thread-safe; the caller owns the pool.
 */
public final class PostgresSnapshotStore implements SnapshotStore {
    private final DataSource ds;
    private final SnapshotRetention retention;
    private final Retrying retrying;
    private final String lock;
    private final String upsert;
    private final String versions;
    private final String delete;
    private final String select;
    private final String selectLatest;

    private PostgresSnapshotStore(DataSource ds, String schema, SnapshotRetention retention, Retrying retrying) {
        this.ds = ds;
        this.retention = retention;
        this.retrying = retrying;
        this.lock = "SELECT pg_advisory_xact_lock(hashtextextended('" + schema + ".snapshots/' || ?, 0))";
        this.upsert = "INSERT INTO " + schema + ".snapshots (aggregate_id, version, ts, ts_nanos, state_schema, state)"
                + " VALUES (?, ?, ?, ?, ?, ?::json) ON CONFLICT (aggregate_id, version) DO UPDATE SET ts = excluded.ts,"
                + " ts_nanos = excluded.ts_nanos, state_schema = excluded.state_schema, state = excluded.state,"
                + " saved_at = now()";
        this.versions = "SELECT version FROM " + schema + ".snapshots WHERE aggregate_id = ? ORDER BY version DESC";
        this.delete = "DELETE FROM " + schema + ".snapshots WHERE aggregate_id = ? AND version = ANY (?)";
        this.select = "SELECT aggregate_id, version, ts, ts_nanos, state_schema, state FROM " + schema
                + ".snapshots WHERE aggregate_id = ? ORDER BY version DESC";
        // (ts, ts_nanos) compares as the instant: ts is the timestamp truncated to microseconds, ts_nanos the rest
        this.selectLatest = "SELECT aggregate_id, version, ts, ts_nanos, state_schema, state FROM " + schema
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
                c.setAutoCommit(false);
                try {
                    saveIn(c, s);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
            return null;
        });
    }

    private void saveIn(Connection c, Snapshot s) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL synchronous_commit = off");
        }
        try (PreparedStatement ps = c.prepareStatement(lock)) {
            ps.setString(1, s.aggregateId());
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement(upsert)) {
            ps.setString(1, s.aggregateId());
            ps.setLong(2, s.version());
            // The driver rounds to microseconds; truncate, and keep the remaining nanoseconds apart.
            ps.setObject(3, OffsetDateTime.ofInstant(s.timestamp().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
            ps.setShort(4, (short) (s.timestamp().getNano() % 1000));
            ps.setString(5, s.stateSchema());
            ps.setString(6, s.state());
            ps.executeUpdate();
        }
        List<Long> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(versions)) {
            ps.setString(1, s.aggregateId());
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
                out.add(new Snapshot(rs.getString(1), rs.getLong(2), ts, rs.getString(5), rs.getString(6)));
            }
        }
        return out;
    }

    /** Nothing to release: the pool belongs to the caller. */
    @Override
    public void close() {}
}
