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
import java.sql.Statement;
import java.util.List;
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
}
