package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.WrongExpectedVersionException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The group committer's linger: appends that do not overlap but arrive within the linger of each other share one
 * transaction; without a linger a lone append runs alone; a rejected append in a lingered batch still fails alone.
 */
class PostgresGroupCommitLingerTest {
    @Test
    void loneAppends_arrivingWithinTheLinger_shareOneTransaction() throws Exception {
        String schema = PgTestSupport.newSchema("gclinger");
        try (PostgresEventLog log =
                        PostgresEventLog.open(PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(50)));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            Future<AppendResult> first =
                    threads.submit(() -> store.append("a", ExpectedVersion.ANY, EventData.of("E", "{}")));
            Thread.sleep(10); // the first is alone in the queue now, and the writer lingers with it
            Future<AppendResult> second =
                    threads.submit(() -> store.append("b", ExpectedVersion.ANY, EventData.of("E", "{}")));

            assertThat(first.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            assertThat(second.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            assertThat(log.groupCommitStats()).isEqualTo(new PostgresEventLog.GroupCommitStats(1, 2));
            assertThat(log.readAggregate("a", 1, 10, dev.hindsight.core.ReadDirection.FORWARD))
                    .hasSize(1);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void appendsArrivingWithinTheLingerOfTheFirst_allShareItsTransaction() throws Exception {
        String schema = PgTestSupport.newSchema("gclingerall");
        try (PostgresEventLog log =
                        PostgresEventLog.open(PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(50)));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            List<Future<AppendResult>> appends = new ArrayList<>();
            for (String aggregate : List.of("a", "b", "c", "d")) {
                appends.add(
                        threads.submit(() -> store.append(aggregate, ExpectedVersion.ANY, EventData.of("E", "{}"))));
                Thread.sleep(8); // one at a time, all within 50 ms of the first
            }

            for (Future<AppendResult> f : appends) {
                assertThat(f.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            }
            // The batch waits out the linger from its first append's arrival, not just until a second one arrives.
            assertThat(log.groupCommitStats()).isEqualTo(new PostgresEventLog.GroupCommitStats(1, 4));
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void appendQueuedLongerThanTheLinger_runsWithoutWaitingAgain() throws Exception {
        String schema = PgTestSupport.newSchema("gclingerlate");
        try (PostgresEventLog log =
                        PostgresEventLog.open(PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(50)));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                Connection blocker =
                        DriverManager.getConnection(PgTestSupport.URL, PgTestSupport.USER, PgTestSupport.PASSWORD)) {
            EventStore store = EventStore.of(log);
            // Hold "a"'s advisory lock so that the (only) writer's first batch waits in the database.
            try (PreparedStatement lock =
                    blocker.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 1752066404))")) {
                lock.setString(1, schema + "/a");
                lock.execute();
            }
            Future<Long> a = threads.submit(() -> {
                store.append("a", ExpectedVersion.ANY, EventData.of("E", "{}"));
                return System.nanoTime();
            });
            Thread.sleep(100); // a's batch is running (blocked) after its 50 ms linger
            Future<Long> b = threads.submit(() -> {
                store.append("b", ExpectedVersion.ANY, EventData.of("E", "{}"));
                return System.nanoTime();
            });
            Thread.sleep(150); // b has been queued three lingers' time behind the busy writer
            try (Statement unlock = blocker.createStatement()) {
                unlock.execute("SELECT pg_advisory_unlock_all()");
            }

            long aDone = a.get(10, TimeUnit.SECONDS);
            long bDone = b.get(10, TimeUnit.SECONDS);
            // b's batch starts as soon as the writer is free: it does not wait another linger for company.
            assertThat(TimeUnit.NANOSECONDS.toMillis(bDone - aDone)).isLessThan(35);
            assertThat(log.groupCommitStats()).isEqualTo(new PostgresEventLog.GroupCommitStats(2, 2));
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void loneAppend_withoutLinger_runsAloneOutsideTheCommitter() throws Exception {
        String schema = PgTestSupport.newSchema("gcnolinger");
        try (PostgresEventLog log = PostgresEventLog.open(PgTestSupport.groupCommitOptions(schema, Duration.ZERO))) {
            EventStore store = EventStore.of(log);

            store.append("a", ExpectedVersion.ANY, EventData.of("E", "{}"));
            store.append("b", ExpectedVersion.ANY, EventData.of("E", "{}"));

            assertThat(log.groupCommitStats()).isEqualTo(new PostgresEventLog.GroupCommitStats(0, 0));
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void rejectedAppend_inALingeredBatch_failsAloneAndTheOtherCommits() throws Exception {
        String schema = PgTestSupport.newSchema("gclingerrej");
        try (PostgresEventLog log =
                        PostgresEventLog.open(PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(50)));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            store.append("taken", ExpectedVersion.ANY, EventData.of("E", "{}"));
            long batchesBefore = log.groupCommitStats().batches();

            Future<AppendResult> wrong =
                    threads.submit(() -> store.append("taken", ExpectedVersion.exact(5), EventData.of("E", "{}")));
            Thread.sleep(10);
            Future<AppendResult> good =
                    threads.submit(() -> store.append("fresh", ExpectedVersion.NO_STREAM, EventData.of("E", "{}")));

            assertThat(good.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            assertThatThrownBy(() -> wrong.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(WrongExpectedVersionException.class);
            assertThat(log.groupCommitStats().batches() - batchesBefore).isEqualTo(1);
            assertThat(log.aggregateVersion("taken")).isEqualTo(1);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void options_lingerOutOfRange_areRefused() {
        PostgresOptions o = PgTestSupport.options("t_x");
        assertThatThrownBy(() -> o.withGroupCommitLinger(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groupCommitLinger");
        assertThatThrownBy(() -> o.withGroupCommitLinger(Duration.ofMillis(51)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groupCommitLinger");
        assertThat(o.groupCommitLinger()).isZero();
    }
}
