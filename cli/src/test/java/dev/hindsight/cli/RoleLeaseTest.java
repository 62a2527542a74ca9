package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.postgres.PostgresOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link RoleLease} and {@link LeasedRole} on a real PostgreSQL: one holder per name; the lock goes with its session
 * (a terminated backend frees it, the holder notices); of two leased roles one runs, the other stands by and starts
 * when the first stops.
 */
class RoleLeaseTest {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;
    private static final PostgresOptions OPTIONS =
            PostgresOptions.defaults(URL).withCredentials(USER, PASSWORD).withSchema("t_lease");

    private final String name = "test-lease:" + UUID.randomUUID();

    @Test
    void keyOf_isStablePerName_andDiffersBetweenRoles() {
        assertThat(RoleLease.keyOf(WorkerRoles.readModelLease("a")))
                .isEqualTo(RoleLease.keyOf("hindsight-read-model:a_readmodel:orders"));
        assertThat(RoleLease.keyOf(WorkerRoles.readModelLease("a")))
                .isNotEqualTo(RoleLease.keyOf(WorkerRoles.snapshotsLease("a")))
                .isNotEqualTo(RoleLease.keyOf(WorkerRoles.readModelLease("b")));
    }

    @Test
    void oneHolder_untilItsBackendIsTerminated_thenTheOtherTakesIt() throws Exception {
        try (RoleLease a = new RoleLease(OPTIONS, name);
                RoleLease b = new RoleLease(OPTIONS, name)) {
            assertThat(a.tryAcquire()).isTrue();
            assertThat(a.tryAcquire()).as("idempotent while held").isTrue();
            assertThat(b.tryAcquire()).isFalse();
            assertThat(a.held()).isTrue();

            // the holder's session dies (as when its process is killed): PostgreSQL frees the lock
            try (Connection admin = DriverManager.getConnection(URL, USER, PASSWORD);
                    PreparedStatement ps = admin.prepareStatement(
                            "SELECT pg_terminate_backend(pid) FROM pg_locks"
                                    + " WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid::bigint = ?")) {
                long key = a.key();
                ps.setLong(1, key >>> 32);
                ps.setLong(2, key & 0xFFFF_FFFFL);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next())
                            .as("the holder's backend found in pg_locks")
                            .isTrue();
                }
            }
            await(() -> !a.held());
            // the client sees its connection closed before the dying backend has released its locks (a loaded
            // machine showed the gap): the lock is free once the backend is gone, so wait for it
            await(b::tryAcquire);
            assertThat(a.tryAcquire()).isFalse();
            b.release();
            // release() closes b's connection; its backend frees the lock as it exits, just after (the same gap)
            await(a::tryAcquire);
        }
    }

    @Test
    void twoLeasedRoles_oneRunsTheOtherStandsBy_untilTheFirstStops() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger starts = new AtomicInteger();
        Duration check = Duration.ofMillis(50);
        LeasedRole first = new LeasedRole("test", new RoleLease(OPTIONS, name), () -> start(running, starts), check);
        LeasedRole second = new LeasedRole("test", new RoleLease(OPTIONS, name), () -> start(running, starts), check);
        try {
            first.start();
            await(first::active);
            second.start();
            Thread.sleep(check.toMillis() * 6);
            assertThat(second.active()).isFalse();
            assertThat(running.get()).isEqualTo(1);

            first.close();
            await(second::active);
            assertThat(running.get()).as("the role runs once at a time").isEqualTo(1);
            assertThat(starts.get()).isEqualTo(2);
        } finally {
            first.close();
            second.close();
        }
        assertThat(running.get()).isZero();
    }

    private static List<AutoCloseable> start(AtomicInteger running, AtomicInteger starts) {
        running.incrementAndGet();
        starts.incrementAndGet();
        return List.of(running::decrementAndGet);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
