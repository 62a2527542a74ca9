package dev.hindsight.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The PostgreSQL engine passes the whole conformance suite against a real server: one schema for the class (migrated
 * once), emptied before every test, with appends one transaction each.
 */
class PostgresEventLogTckTest extends EventLogTck {
    private static String schema;
    private static PostgresOptions options;
    private static HikariDataSource pool;

    @BeforeAll
    static void createSchema() {
        schema = PgTestSupport.newSchema("tck");
        options = PgTestSupport.options(schema);
        pool = options.openPool();
        PostgresEventLog.open(pool, options).close();
        options = options.withMigrate(false);
    }

    @AfterAll
    static void dropSchema() throws Exception {
        pool.close();
        PgTestSupport.dropSchema(schema);
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        PgTestSupport.truncateEvents(schema);
        return PostgresEventLog.open(pool, options);
    }
}
