package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades a store's schema with Flyway from the versioned scripts in {@code db/hindsight}; the schema name
 * and partition count are placeholders. Concurrent migrations of one schema are serialized by Flyway's lock.
 * Stateless, thread-safe.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    private static final String LOCATION = "classpath:db/hindsight";

    private Migrations() {}

    /**
     * Brings {@code schema} up to the newest version, creating it if needed.
     *
     * @throws StoreUnavailableException if the migration fails
     */
    public static void migrate(DataSource ds, String schema, int partitions) {
        try {
            Flyway.configure(Migrations.class.getClassLoader())
                    .dataSource(ds)
                    .schemas(schema)
                    .createSchemas(true)
                    .locations(LOCATION)
                    .placeholders(Map.of("schema", schema, "partitions", Integer.toString(partitions)))
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreUnavailableException("cannot migrate schema '" + schema + "': " + e.getMessage(), e);
        }
        warnOnOtherPartitionCount(ds, schema, partitions);
    }

    private static void warnOnOtherPartitionCount(DataSource ds, String schema, int partitions) {
        String sql = "SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(?)";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema + ".events");
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getInt(1) != partitions) {
                    LOG.warn(
                            "schema {} has {} event partitions, not the configured {}: the partition count only"
                                    + " applies when a schema is created",
                            schema,
                            rs.getInt(1),
                            partitions);
                }
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("checking schema " + schema, e);
        }
    }
}
