package dev.hindsight.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.function.UnaryOperator;

/**
 * What a conformance-suite class on PostgreSQL needs: its own schema, migrated once, and a pool; each test gets an
 * engine over the emptied schema. One per test class (created in {@code @BeforeAll}, closed in {@code @AfterAll}).
 */
final class PgTckFixture implements AutoCloseable {
    private final String schema;
    private final PostgresOptions options;
    private final HikariDataSource pool;

    /** @param configure adjusts the default test options (e.g. group commit) */
    PgTckFixture(String schemaPrefix, UnaryOperator<PostgresOptions> configure) {
        this(schemaPrefix, PgTestSupport.URL, configure);
    }

    /** @param url the test database's JDBC URL to use (e.g. {@link PgTestSupport#socketUrl()}) */
    PgTckFixture(String schemaPrefix, String url, UnaryOperator<PostgresOptions> configure) {
        schema = PgTestSupport.newSchema(schemaPrefix);
        PostgresOptions o = configure.apply(PgTestSupport.options(schema, url));
        pool = o.openPool();
        PostgresEventLog.open(pool, o).close();
        options = o.withMigrate(false);
    }

    /** An engine over the schema, emptied first. */
    PostgresEventLog openEmpty() throws Exception {
        PgTestSupport.truncateEvents(schema);
        return PostgresEventLog.open(pool, options);
    }

    @Override
    public void close() throws SQLException {
        pool.close();
        PgTestSupport.dropSchema(schema);
    }
}
