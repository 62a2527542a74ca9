package dev.hindsight.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresOptions;
import javax.sql.DataSource;

/**
 * The PostgreSQL database of the Kafka engine's split roles ({@code serve --store kafka --role …} with
 * {@code --pg-url}): the events stay in the topic; snapshots, the snapshot service's checkpoint and the read model live
 * here, in the schema of {@code --pg-schema} (migrated on open, as the PostgreSQL engine's; its events table stays
 * empty) and {@code <schema>_readmodel}. A connection pool, closed with this. Thread-safe.
 */
final class RoleDatabase implements AutoCloseable {
    private final HikariDataSource pool;
    private final PostgresOptions options;

    private RoleDatabase(HikariDataSource pool, PostgresOptions options) {
        this.pool = pool;
        this.options = options;
    }

    /**
     * Opens a pool and migrates the schema.
     *
     * @throws CliException if the database cannot be reached or migrated
     */
    static RoleDatabase open(PostgresOptions options) {
        HikariDataSource pool;
        try {
            pool = options.openPool();
        } catch (RuntimeException e) {
            throw new CliException("cannot connect to PostgreSQL at " + options.jdbcUrl() + " (snapshots and read"
                    + " model of the Kafka roles): " + e.getMessage());
        }
        try {
            PostgresCheckpointStore.open(pool, options); // migrates: snapshots and checkpoints tables
        } catch (StoreUnavailableException | IllegalStateException e) {
            pool.close();
            throw new CliException(
                    "cannot prepare schema " + options.schema() + " at " + options.jdbcUrl() + ": " + e.getMessage());
        }
        return new RoleDatabase(pool, options.withMigrate(false));
    }

    DataSource dataSource() {
        return pool;
    }

    /** The options of the pool, migration off (done). */
    PostgresOptions options() {
        return options;
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "PostgreSQL " + options.jdbcUrl() + " schema " + options.schema();
    }
}
