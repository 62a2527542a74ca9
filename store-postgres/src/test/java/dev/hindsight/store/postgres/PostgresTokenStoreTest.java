package dev.hindsight.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.testkit.TokenStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The token store contract on PostgreSQL: a fresh schema per class, emptied per test. */
class PostgresTokenStoreTest extends TokenStoreContract {
    private static String schema;
    private static PostgresOptions options;
    private static HikariDataSource pool;

    @BeforeAll
    static void createSchema() {
        schema = PgTestSupport.newSchema("tok");
        options = PgTestSupport.options(schema).withPoolSize(2).withPartitions(2);
        pool = options.openPool();
    }

    @AfterAll
    static void dropSchema() throws Exception {
        pool.close();
        PgTestSupport.dropSchema(schema);
    }

    @Override
    protected TokenStore newStore() {
        TokenStore store = PostgresTokenStore.open(pool, options);
        store.list().forEach(t -> store.revoke(t.name()));
        return store;
    }

    @Override
    protected TokenStore reopen() {
        return PostgresTokenStore.open(pool, options.withMigrate(false));
    }
}
