package dev.hindsight.store.postgres;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite with group commit and the linger {@code serve} uses (3 ms): every append, lone or
 * overlapping, goes through the writers, and a batch takes what arrives within the linger of its first append.
 */
class PostgresGroupCommitLingerTckTest extends EventLogTck {
    private static PgTckFixture fixture;

    @BeforeAll
    static void createSchema() {
        fixture = new PgTckFixture(
                "tckgclinger", o -> o.withGroupCommit(true, 2).withGroupCommitLinger(Duration.ofMillis(3)));
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
