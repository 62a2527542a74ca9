package dev.hindsight.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Who notifies: at most one notifying transaction at a time (a second would wait for the first's database-wide lock
 * inside its own commit), at most one per interval, and a claim its caller never finished stops blocking after a
 * second. The threads are not started: only the claims are exercised.
 */
class NotifyClaimsTest {
    private final Notifications claims = new Notifications(new PGSimpleDataSource(), "t", new CommitSignals());

    @Test
    void aClaim_blocksTheNextUntilFinished_andTheIntervalHasPassed() throws Exception {
        assertThat(claims.claim()).isTrue();
        assertThat(claims.claim()).as("within the interval").isFalse();
        Thread.sleep(20);
        assertThat(claims.claim())
                .as("the interval passed, but the first still runs")
                .isFalse();
        claims.finished();
        assertThat(claims.claim()).as("finished, and the interval passed").isTrue();
        claims.finished();
        assertThat(claims.claim())
                .as("finished, but within the interval of the last claim")
                .isFalse();
    }

    @Test
    void aClaimNeverFinished_stopsBlockingAfterASecond() throws Exception {
        assertThat(claims.claim()).isTrue();
        Thread.sleep(300);
        assertThat(claims.claim()).isFalse();
        Thread.sleep(800);
        assertThat(claims.claim()).as("a lost claim does not silence the store").isTrue();
    }

    @Test
    void never_neverClaims() {
        assertThat(NotifyClaims.NEVER.claim()).isFalse();
    }
}
