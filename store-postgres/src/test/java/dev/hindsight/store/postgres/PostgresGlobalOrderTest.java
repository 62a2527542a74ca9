package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gap-free global order, deterministically: a transaction that appends with a smaller transaction id but commits
 * after a later one holds back what readers see until it commits (the classic sequence-gap scenario cannot skip it),
 * while a long transaction that does not append to this store holds back nothing.
 */
class PostgresGlobalOrderTest {
    private String schema;
    private HikariDataSource pool;
    private PostgresEventLog log;
    private EventStore store;

    @BeforeEach
    void open() {
        schema = PgTestSupport.newSchema("order");
        PostgresOptions options = PgTestSupport.options(schema).withPoolSize(4).withPartitions(4);
        pool = options.openPool();
        log = PostgresEventLog.open(pool, options);
        store = EventStore.of(log);
    }

    @AfterEach
    void close() throws Exception {
        log.close();
        pool.close();
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void appenderWithSmallerIdCommittingLate_isNeverSkipped() throws Exception {
        try (Connection late = PgTestSupport.connect();
                Statement s = late.createStatement()) {
            late.setAutoCommit(false);
            // An append in flight, as the engine makes it: the store's appender lock and the aggregate's lock first,
            // then the writes, which give it its transaction id (smaller than the append below).
            s.execute("SELECT pg_advisory_xact_lock_shared(hashtext('" + schema + "') & 2147483647, 1752066404)");
            s.execute("SELECT pg_advisory_xact_lock(hashtextextended('" + schema + "/late', 1752066404))");
            s.execute("INSERT INTO " + schema + ".events (position, version, ts, event_id, schema_version, ts_nanos,"
                    + " aggregate_id, event_type, event_data, metadata) VALUES (pg_current_xact_id()::text::bigint << 20,"
                    + " 1, now(), gen_random_uuid(), 1, 0, 'late', 'Late', '{}', '{}')");

            AppendResult early = store.append("early", ExpectedVersion.NO_STREAM, EventData.of("Early", "{}"));

            assertThat(store.read("early").version())
                    .as("aggregate reads see it at once")
                    .isEqualTo(1);
            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .as("the global log shows nothing past the late appender")
                    .isEmpty();
            assertThat(store.head()).isEqualTo(Position.START);
            assertThat(log.awaitAfter(Position.START, java.time.Duration.ofMillis(50)))
                    .isFalse();

            late.commit();

            List<RecordedEvent> all =
                    store.readAll(Position.START, 100, EventFilter.ALL).events();
            assertThat(all).extracting(RecordedEvent::aggregateId).containsExactly("late", "early");
            assertThat(store.head()).isEqualTo(early.position());
        }
    }

    @Test
    void longTransactionThatDoesNotAppend_holdsNothingBack() throws Exception {
        try (Connection other = PgTestSupport.connect();
                Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            s.execute("CREATE TABLE " + schema + ".unrelated (x int)");
            s.execute("INSERT INTO " + schema + ".unrelated VALUES (1)");
            s.execute("SELECT pg_current_xact_id()");

            AppendResult r = store.append("order-1", ExpectedVersion.NO_STREAM, EventData.of("Placed", "{}"));

            assertThat(store.head()).isEqualTo(r.position());
            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .hasSize(1);
            other.rollback();
        }
    }

    @Test
    void appendWhoseInlineHookWritesInASavepoint_isNeverSkipped() throws Exception {
        PgTestSupport.execute("CREATE TABLE " + schema + ".hook_rows (x int)");
        CountDownLatch lateInHook = new CountDownLatch(1);
        CountDownLatch earlyCommitted = new CountDownLatch(1);
        CountDownLatch savepointWritten = new CountDownLatch(1);
        CountDownLatch releaseLate = new CountDownLatch(1);
        log.addInlineHook((c, events) -> {
            if (!events.getFirst().aggregateId().equals("late")) {
                return;
            }
            lateInHook.countDown();
            await(earlyCommitted);
            // a write in a subtransaction: it gets an id of its own, larger than the early append's
            c.setSavepoint();
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + schema + ".hook_rows VALUES (1)");
            }
            savepointWritten.countDown();
            await(releaseLate);
        });
        CompletableFuture<AppendResult> late = CompletableFuture.supplyAsync(
                () -> store.append("late", ExpectedVersion.NO_STREAM, EventData.of("Late", "{}")));
        try {
            assertThat(lateInHook.await(10, TimeUnit.SECONDS)).isTrue();
            AppendResult early = store.append("early", ExpectedVersion.NO_STREAM, EventData.of("Early", "{}"));
            earlyCommitted.countDown();
            assertThat(savepointWritten.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .as("the global log shows nothing past the late appender (its events sort first)")
                    .isEmpty();
            assertThat(store.head()).isEqualTo(Position.START);

            releaseLate.countDown();
            late.get(10, TimeUnit.SECONDS);
            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .extracting(RecordedEvent::aggregateId)
                    .containsExactly("late", "early");
            assertThat(store.head()).isEqualTo(early.position());
        } finally {
            earlyCommitted.countDown();
            releaseLate.countDown();
        }
    }

    private static void await(CountDownLatch latch) throws SQLException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new SQLException("test hook timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(e);
        }
    }
}
