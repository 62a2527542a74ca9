package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.WrongExpectedVersionException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The group append's per-aggregate lookup, {@code last_event} (schema 13): it finds every aggregate's last event
 * whatever the store's partition count, through one partition only, and the group-commit path checks expected versions
 * against it.
 */
class PostgresLastEventTest {

    private static String aggregate(int i) {
        // Plain, long and non-ASCII ids: the partition is a hash of the id's bytes.
        return switch (i % 3) {
            case 0 -> "order-" + i;
            case 1 -> "kunde-ß-é-" + i + "-" + "x".repeat(i % 50);
            default -> "集計-" + i;
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 3, 1})
    void groupAppends_checkVersionsAgainstTheLastEvent_whateverThePartitionCount(int partitions) throws Exception {
        String schema = PgTestSupport.newSchema("lastev");
        PostgresOptions options = PgTestSupport.options(schema)
                .withPartitions(partitions)
                .withGroupCommit(true, 2)
                .withGroupCommitLinger(Duration.ofMillis(2));
        int aggregates = 120;
        try (PostgresEventLog log = PostgresEventLog.open(options);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            Map<String, Long> versions = new HashMap<>();
            // Concurrent appends, so that the committer batches several aggregates per statement.
            for (int round = 0; round < 3; round++) {
                List<Future<AppendResult>> done = new ArrayList<>();
                for (int i = 0; i < aggregates; i++) {
                    String id = aggregate(i);
                    long expected = versions.getOrDefault(id, 0L);
                    int count = 1 + (i + round) % 3;
                    List<EventData> events = new ArrayList<>();
                    for (int k = 0; k < count; k++) {
                        events.add(EventData.of("E", "{\"k\":" + k + "}"));
                    }
                    done.add(threads.submit(() -> store.append(id, ExpectedVersion.exact(expected), events)));
                }
                for (Future<AppendResult> f : done) {
                    AppendResult r = f.get();
                    assertThat(r.firstVersion()).isEqualTo(versions.getOrDefault(r.aggregateId(), 0L) + 1);
                    versions.put(r.aggregateId(), r.lastVersion());
                }
            }
            // A stale expected version is rejected with the aggregate's actual version, which the lookup read.
            List<Future<?>> stale = new ArrayList<>();
            for (int i = 0; i < aggregates; i += 7) {
                String id = aggregate(i);
                long actual = versions.get(id);
                stale.add(threads.submit(() -> {
                    assertThatThrownBy(
                                    () -> store.append(id, ExpectedVersion.exact(actual - 1), EventData.of("E", "{}")))
                            .isInstanceOfSatisfying(
                                    WrongExpectedVersionException.class,
                                    e -> assertThat(e.actual()).isEqualTo(actual));
                    return null;
                }));
            }
            for (Future<?> f : stale) {
                f.get();
            }

            try (Connection c = log.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT version FROM " + schema + ".last_event(?)")) {
                for (Map.Entry<String, Long> e : versions.entrySet()) {
                    ps.setString(1, e.getKey());
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).as(e.getKey()).isTrue();
                        assertThat(rs.getLong(1)).as(e.getKey()).isEqualTo(e.getValue());
                        assertThat(rs.next()).isFalse();
                    }
                }
                ps.setString(1, "no-such-aggregate");
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isFalse();
                }
            }
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 3})
    void theLookupLocksAndReadsOnlyThePartitionHoldingTheAggregate(int partitions) throws Exception {
        String schema = PgTestSupport.newSchema("lastevp");
        try (PostgresEventLog log =
                PostgresEventLog.open(PgTestSupport.options(schema).withPartitions(partitions))) {
            EventStore store = EventStore.of(log);
            for (int i = 0; i < 30; i++) {
                store.append(aggregate(i), ExpectedVersion.ANY, EventData.of("E", "{}"));
            }
            try (Connection c = log.dataSource().getConnection()) {
                c.setAutoCommit(false);
                for (int i = 0; i < 30; i++) {
                    String holder;
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT tableoid::regclass::text FROM " + schema + ".events WHERE aggregate_id = ?")) {
                        ps.setString(1, aggregate(i));
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            holder = rs.getString(1);
                        }
                    }
                    c.rollback();
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT version FROM " + schema + ".last_event(?)")) {
                        ps.setString(1, aggregate(i));
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getLong(1)).isEqualTo(1);
                        }
                    }
                    List<String> locked = new ArrayList<>();
                    try (Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery("SELECT c.oid::regclass::text FROM pg_locks l"
                                    + " JOIN pg_class c ON c.oid = l.relation JOIN pg_inherits i ON i.inhrelid = c.oid"
                                    + " WHERE l.pid = pg_backend_pid() AND i.inhparent = '" + schema
                                    + ".events'::regclass")) {
                        while (rs.next()) {
                            locked.add(rs.getString(1));
                        }
                    }
                    c.rollback();
                    assertThat(locked).as(aggregate(i)).containsExactly(holder);
                }
            }
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
