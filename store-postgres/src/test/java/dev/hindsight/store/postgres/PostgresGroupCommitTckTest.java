package dev.hindsight.store.postgres;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The PostgreSQL engine passes the whole conformance suite against a real server: one schema for the class (migrated
 * once), emptied before every test, with app-side group commit merging concurrent appends into shared transactions.
 */
class PostgresGroupCommitTckTest extends EventLogTck {
    private static PgTckFixture fixture;

    @BeforeAll
    static void createSchema() {
        fixture = new PgTckFixture("tckgc", o -> o.withGroupCommit(true, 2));
    }

    @AfterAll
    static void dropSchema() throws Exception {
        fixture.close();
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        return fixture.openEmpty();
    }
}
