package dev.hindsight.store.postgres;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite with every connection (pool, group-commit writers, commit listener) through the
 * server's Unix-domain socket ({@link UnixSocketFactory}), with group commit and the linger {@code serve} uses.
 */
class PostgresUnixSocketTckTest extends EventLogTck {
    private static PgTckFixture fixture;

    @BeforeAll
    static void createSchema() {
        fixture = new PgTckFixture(
                "tckunix",
                PgTestSupport.socketUrl(),
                o -> o.withGroupCommit(true, 2).withGroupCommitLinger(Duration.ofMillis(3)));
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
