package dev.hindsight.store.postgres;

import dev.hindsight.core.Position;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.store.postgres.internal.Migrations;
import dev.hindsight.store.postgres.internal.Retrying;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Checkpoints in the {@code checkpoints} table, one row per consumer name with the position's wire form. A save is
 * one committed upsert. Thread-safe; the caller owns the pool.
 *
 * <p>A projection whose read model lives in the same database can get exactly-once effects by saving its checkpoint
 * in the read model's transaction with the same upsert ({@link #upsertSql()}).
 */
public final class PostgresCheckpointStore implements CheckpointStore {
    private final DataSource ds;
    private final Retrying retrying;
    private final String upsert;
    private final String select;
    private final String selectAll;

    private PostgresCheckpointStore(DataSource ds, String schema, Retrying retrying) {
        this.ds = ds;
        this.retrying = retrying;
        this.upsert = "INSERT INTO " + schema + ".checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name)"
                + " DO UPDATE SET position = excluded.position, updated_at = now()";
        this.select = "SELECT position FROM " + schema + ".checkpoints WHERE name = ?";
        this.selectAll = "SELECT name, position FROM " + schema + ".checkpoints";
    }

    /**
     * A checkpoint store in the schema of {@code options} on {@code dataSource}, migrating the schema first unless
     * {@link PostgresOptions#migrate()} is off.
     */
    public static PostgresCheckpointStore open(DataSource dataSource, PostgresOptions options) {
        if (options.migrate()) {
            Migrations.migrate(dataSource, options.schema(), options.partitions());
        }
        return new PostgresCheckpointStore(dataSource, options.schema(), new Retrying(options.retryFor(), () -> false));
    }

    /** The upsert a save runs, with parameters {@code (name, position wire form)}. */
    public String upsertSql() {
        return upsert;
    }

    @Override
    public Optional<Position> load(String name) {
        return retrying.run("loading checkpoint '" + name + "'", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Position.parse(rs.getString(1))) : Optional.<Position>empty();
                }
            }
        });
    }

    @Override
    public void save(String name, Position position) {
        retrying.run("saving checkpoint '" + name + "'", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, name);
                ps.setString(2, position.toString());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Map<String, Position> all() {
        return retrying.run("loading checkpoints", () -> {
            Map<String, Position> out = new TreeMap<>();
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(selectAll);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), Position.parse(rs.getString(2)));
                }
            }
            return out;
        });
    }

    /** Nothing to release: the pool belongs to the caller. */
    @Override
    public void close() {}
}
