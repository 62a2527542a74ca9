package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Snapshots (retention, replacement, exact timestamps) and checkpoints (both position forms) on PostgreSQL. */
class PostgresSnapshotAndCheckpointStoreTest {
    private static final Instant T = Instant.parse("2024-05-01T10:00:00.123456789Z");
    private static String schema;
    private static PostgresOptions options;
    private static HikariDataSource pool;

    @BeforeAll
    static void createSchema() {
        schema = PgTestSupport.newSchema("snap");
        options = PgTestSupport.options(schema).withPoolSize(4).withPartitions(2);
        pool = options.openPool();
    }

    @AfterAll
    static void dropSchema() throws Exception {
        pool.close();
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void latest_picksNewestAtOrBeforeVersionAndInstant_toTheNanosecond() {
        PostgresSnapshotStore store = PostgresSnapshotStore.open(pool, options, new SnapshotRetention(5, 0));
        Snapshot v10 = new Snapshot("latest-1", 10, T, "S/1", "{\"v\":10}");
        Snapshot v20 = new Snapshot("latest-1", 20, T.plusNanos(1), "S/1", "{\"v\":20}"); // same microsecond
        Snapshot v30 = new Snapshot("latest-1", 30, T.plusSeconds(5), "S/1", "{\"v\":30}");
        List.of(v10, v20, v30).forEach(store::save);

        assertThat(store.latest("latest-1", Long.MAX_VALUE, null)).isEqualTo(v30);
        assertThat(store.latest("latest-1", 29, null)).isEqualTo(v20);
        assertThat(store.latest("latest-1", Long.MAX_VALUE, T.plusSeconds(1))).isEqualTo(v20);
        assertThat(store.latest("latest-1", Long.MAX_VALUE, T)).isEqualTo(v10); // v20 is 1 ns later
        assertThat(store.latest("latest-1", 9, null)).isNull();
        assertThat(store.latest("latest-1", Long.MAX_VALUE, T.minusNanos(1))).isNull();
        assertThat(store.latest("none", Long.MAX_VALUE, null)).isNull();
    }

    @Test
    void snapshots_savedAndRead_newestFirstWithExactFields() {
        PostgresSnapshotStore store = PostgresSnapshotStore.open(pool, options, new SnapshotRetention(5, 0));
        Snapshot first = new Snapshot("order-1", 10, T, "OrderState/1", "{\"status\":\"placed\",\"total\":1250}");
        Snapshot second = new Snapshot("order-1", 20, T.plusNanos(1), "OrderState/1", "{\"b\":1,\"a\":2}");

        store.save(first);
        store.save(second);
        store.save(new Snapshot("order-2", 3, T, "OrderState/1", "{}"));

        assertThat(store.snapshots("order-1")).containsExactly(second, first);
        assertThat(store.snapshots("order-3")).isEmpty();
    }

    @Test
    void snapshots_rowWrittenBeforeSchema5_isReadAsJson() throws Exception {
        PostgresSnapshotStore store = PostgresSnapshotStore.open(pool, options, new SnapshotRetention(5, 0));
        try (var c = pool.getConnection();
                var st = c.createStatement()) {
            st.executeUpdate("INSERT INTO " + schema + ".snapshots (aggregate_id, version, ts, ts_nanos, state_schema,"
                    + " state) VALUES ('old-row', 4, '2024-05-01T10:00:00.123456Z', 789, 'S/1', '{\"old\":true}')");
        }

        assertThat(store.snapshots("old-row")).containsExactly(new Snapshot("old-row", 4, T, "S/1", "{\"old\":true}"));
        Snapshot newer = new Snapshot("old-row", 4, T, "S/2", "{\"new\":true}");
        store.save(newer); // replaces the json row with a compressed one
        assertThat(store.latest("old-row", 4, null)).isEqualTo(newer);
    }

    @Test
    void snapshots_sameVersionSavedAgain_replacesIt() {
        PostgresSnapshotStore store = PostgresSnapshotStore.open(pool, options, SnapshotRetention.DEFAULT);
        store.save(new Snapshot("replaced", 5, T, "OrderState/1", "{\"v\":1}"));
        Snapshot newer = new Snapshot("replaced", 5, T, "OrderState/2", "{\"v\":2}");

        store.save(newer);

        assertThat(store.snapshots("replaced")).containsExactly(newer);
    }

    @Test
    void snapshots_overRetention_keepNewestAndOneAnchorPerBucket() {
        SnapshotRetention retention = new SnapshotRetention(3, 100);
        PostgresSnapshotStore store = PostgresSnapshotStore.open(pool, options, retention);
        List<Long> saved =
                LongStream.rangeClosed(1, 30).map(i -> i * 10).boxed().toList();

        for (long v : saved) {
            store.save(new Snapshot("long-lived", v, T, "S/1", "{\"v\":" + v + "}"));
        }

        List<Long> expected = retention.retain(saved.reversed(), v -> v);
        assertThat(store.snapshots("long-lived"))
                .extracting(Snapshot::version)
                .containsExactlyElementsOf(expected)
                .startsWith(300L, 290L, 280L)
                .contains(100L, 200L)
                .doesNotContain(10L)
                .hasSize(5);
    }

    @Test
    void saveAll_savesAsOneByOne_exactFieldsReplacementRetentionAndRepeatedAggregates() {
        SnapshotRetention retention = new SnapshotRetention(2, 100);
        PostgresSnapshotStore batched = PostgresSnapshotStore.open(pool, options, retention);
        PostgresSnapshotStore single = PostgresSnapshotStore.open(pool, options, retention);
        single.save(new Snapshot("all-1", 5, T, "S/1", "{\"v\":1}"));
        single.save(new Snapshot("all-3", 1, T, "S/1", "{}"));
        single.save(new Snapshot("all-3", 2, T, "S/1", "{}"));
        List<Snapshot> batch = List.of(
                new Snapshot("all-1", 5, T.plusNanos(1), "S/2", "{\"v\":2,\"é\":\"ü\"}"), // replaces version 5
                new Snapshot("all-2", 100, T.plusSeconds(1), "S/1", "{\"v\":100}"),
                new Snapshot("all-3", 3, T.plusSeconds(2), "S/1", "{\"v\":3}"), // drops version 1
                new Snapshot("all-2", 110, T.plusSeconds(3), "S/1", "{\"v\":110}"), // same aggregate again
                new Snapshot("all-2", 120, T.plusSeconds(4), "S/1", "{\"v\":120}"),
                new Snapshot("all-2", 130, T.plusSeconds(5), "S/1", "{\"v\":130}")); // drops 110, keeps anchor 100

        batched.saveAll(batch);

        assertThat(batched.snapshots("all-1")).containsExactly(batch.get(0));
        assertThat(batched.snapshots("all-2")).containsExactly(batch.get(5), batch.get(4), batch.get(1));
        assertThat(batched.snapshots("all-3")).containsExactly(batch.get(2), new Snapshot("all-3", 2, T, "S/1", "{}"));
        assertThat(batched.latest("all-2", 119, null)).isEqualTo(batch.get(1));
        batched.saveAll(List.of());
        batched.saveAll(List.of(new Snapshot("all-4", 1, T, "S/1", "{}")));
        assertThat(batched.snapshots("all-4")).hasSize(1);
    }

    @Test
    void checkpoints_saveLoadOverwriteAndList() {
        PostgresCheckpointStore store = PostgresCheckpointStore.open(pool, options);

        assertThat(store.load("orders-view")).isEmpty();
        store.save("orders-view", Position.of(42));
        store.save("orders-view", Position.of(56135516163L));
        store.save("kafka-mirror", new Position.Vector(new long[] {17, 5, 0}));

        assertThat(store.load("orders-view")).contains(Position.of(56135516163L));
        assertThat(store.load("kafka-mirror")).contains(new Position.Vector(new long[] {17, 5, 0}));
        assertThat(store.all())
                .isEqualTo(Map.of(
                        "orders-view", Position.of(56135516163L), "kafka-mirror", new Position.Vector(new long[] {
                            17, 5, 0
                        })));
    }
}
