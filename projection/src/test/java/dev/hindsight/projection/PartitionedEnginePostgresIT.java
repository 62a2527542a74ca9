package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.projection.internal.Catalog;
import dev.hindsight.projection.internal.PartitionFencedException;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Runners of single partitions ({@link ProjectionEngine.Builder#partitioned}) on a real PostgreSQL read model: the
 * per-partition checkpoint row and its owner epoch. A holder's batch commits only while its epoch is the partition's;
 * a late batch of a holder that was superseded rolls back whole. The log is the file log read as one partition (vector
 * offset {@code n} = sequence {@code n}), a real log, so the runners read exactly as over Kafka's partitions.
 */
class PartitionedEnginePostgresIT {
    private final String schema = "t_part_" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path dir;

    private EventStore store;
    private ReadModelDatabase db;

    @BeforeEach
    void open() throws Exception {
        store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
        execute("CREATE SCHEMA " + schema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(ProjectionEnginePostgresIT.URL);
        ds.setUser(ProjectionEnginePostgresIT.USER);
        ds.setPassword(ProjectionEnginePostgresIT.PASSWORD);
        ds.setCurrentSchema(schema);
        ds.setApplicationName(schema);
        db = ReadModelDatabase.postgres(ds);
    }

    @AfterEach
    void close() throws Exception {
        db.close();
        store.close();
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        ProjectionEnginePostgresIT.URL,
                        ProjectionEnginePostgresIT.USER,
                        ProjectionEnginePostgresIT.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The file log as a log of one partition: vector offset n is sequence position n (the file log is dense). */
    private record OnePartition(EventStore store) implements PartitionReader {
        @Override
        public int partitions() {
            return 1;
        }

        @Override
        public GlobalSlice read(Set<Integer> partitions, Position after, int limit, EventFilter filter) {
            GlobalSlice s = store.log().readAll(new Position.Sequence(offset(after)), limit, filter);
            return new GlobalSlice(
                    s.events(), new Position.Vector(new long[] {((Position.Sequence) s.next()).value()}));
        }

        @Override
        public boolean awaitAfter(Set<Integer> partitions, Position after, Duration timeout)
                throws InterruptedException {
            return store.log().awaitAfter(new Position.Sequence(offset(after)), timeout);
        }

        private static long offset(Position p) {
            return ((Position.Vector) p).offset(0);
        }
    }

    /** The test's cart projection, declared per aggregate (its rows are keyed by cart), which the split needs. */
    private static Projection carts() {
        Projection cart = new CartProjection("carts");
        return new Projection() {
            @Override
            public String name() {
                return cart.name();
            }

            @Override
            public List<String> tables() {
                return cart.tables();
            }

            @Override
            public Set<String> eventTypes() {
                return cart.eventTypes();
            }

            @Override
            public void createTables(SqlSession s) throws SQLException {
                cart.createTables(s);
            }

            @Override
            public void apply(RecordedEvent e, SqlSession s) throws SQLException {
                cart.apply(e, s);
            }

            @Override
            public boolean rowsPerAggregate() {
                return true;
            }
        };
    }

    private ProjectionEngine engine() {
        return ProjectionEngine.builder(store, db)
                .add(carts())
                .partitioned(new OnePartition(store))
                .build()
                .start();
    }

    private long committedOffset() throws SQLException {
        try (Connection c = db.openWriter()) {
            return Catalog.partitionOffsets(c, "carts", 1).getOrDefault(0, -1L);
        }
    }

    private long qtySum() throws SQLException {
        try (Connection c = db.openWriter();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(qty), 0) FROM carts_items_g1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void awaitOffset(long offset) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (committedOffset() != offset) {
            assertThat(System.nanoTime())
                    .as("partition 0 committed at %d", offset)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void staleHolderCommit_afterLaterClaim_failsAndChangesNothing() throws Exception {
        try (ProjectionEngine prepared = engine(); // creates the catalog and generation 1
                Connection c = db.openWriter()) {
            assertThat(prepared.assignedPartitions())
                    .as("no partition before assign")
                    .isEmpty();
            long[] first = Catalog.claimPartition(c, "carts", 1, 0, 5);
            assertThat(first).containsExactly(1, 5);
            long[] second = Catalog.claimPartition(c, "carts", 1, 0, 99);
            assertThat(second)
                    .as("the row exists: the epoch moves, the offset stays")
                    .containsExactly(2, 5);

            assertThatThrownBy(() -> ReadModelDatabase.inTransaction(c, () -> {
                        try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO carts_items_g1 (cart_id, sku, qty) VALUES ('c1', 'apple', 7)");
                        }
                        Catalog.savePartitionCheckpoint(c, "carts", 1, 0, first[0], 9);
                    }))
                    .isInstanceOf(PartitionFencedException.class);
            assertThat(qtySum()).as("the stale batch's rows rolled back").isZero();
            assertThat(committedOffset()).isEqualTo(5);

            ReadModelDatabase.inTransaction(c, () -> Catalog.savePartitionCheckpoint(c, "carts", 1, 0, second[0], 9));
            assertThat(committedOffset()).isEqualTo(9);
        }
    }

    @Test
    void catalogOfOneRunner_partitionStartsAtItsEntryOfTheWholeLogCheckpoint() throws Exception {
        try (ProjectionEngine engine = engine();
                Connection c = db.openWriter()) {
            for (int i = 1; i <= 5; i++) {
                ProjectionEngineContract.add(store, "cart-1", "apple", i);
            }
            // as a single runner over the whole log leaves it (before the split): applied up to offset 3 of partition 0
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO carts_items_g1 (cart_id, sku, qty) VALUES ('cart-1', 'apple', 6)");
            }
            Catalog.saveCheckpoint(c, "carts", 1, new Position.Vector(new long[] {3}));
            assertThat(committedOffset()).as("no partition row yet").isEqualTo(-1);

            engine.assign(List.of(0));
            awaitOffset(5);
            assertThat(qtySum())
                    .as("1+2+3 from the old runner, 4+5 from the partition's runner")
                    .isEqualTo(15);
        }
    }

    @Test
    void twoHolders_secondClaimsWithoutRevoke_firstIsFenced_everyEventAppliedOnce() throws Exception {
        long expected = 0;
        try (ProjectionEngine a = engine();
                ProjectionEngine b = engine()) {
            a.assign(List.of(0));
            assertThat(a.assignedPartitions()).containsExactly(0);
            for (int i = 1; i <= 20; i++) {
                ProjectionEngineContract.add(store, "cart-" + (i % 3), "apple", i);
                expected += i;
            }
            awaitOffset(20);
            assertThat(qtySum()).isEqualTo(expected);

            // b takes the partition while a still runs it (a stalled holder that has not heard of its revocation)
            b.assign(List.of(0));
            for (int i = 21; i <= 60; i++) {
                ProjectionEngineContract.add(store, "cart-" + (i % 3), "apple", i);
                expected += i;
                if (i % 10 == 0) {
                    Thread.sleep(30); // several batches, so that a's runner tries to commit some of them
                }
            }
            awaitOffset(60);
            assertThat(qtySum())
                    .as("additive rows: an event applied by both holders would count twice")
                    .isEqualTo(expected);
            assertThat(b.assignedPartitions()).containsExactly(0);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!a.assignedPartitions().isEmpty()) {
                assertThat(System.nanoTime())
                        .as("the superseded holder drops the partition")
                        .isLessThan(deadline);
                Thread.sleep(20);
            }

            // a's batch after b's claim rolled back: b's later revoke and a new claim by a start at b's offset
            b.revoke(List.of(0));
            a.assign(List.of(0));
            ProjectionEngineContract.add(store, "cart-1", "apple", 1000);
            expected += 1000;
            awaitOffset(61);
            assertThat(qtySum()).isEqualTo(expected);
        }
    }

    @Test
    void readModelSessionsCut_partitionsRunnerReconnects_everyEventAppliedOnce() throws Exception {
        long expected = 0;
        try (ProjectionEngine engine = engine()) {
            engine.assign(List.of(0));
            for (int i = 1; i <= 10; i++) {
                ProjectionEngineContract.add(store, "cart-" + (i % 3), "apple", i);
                expected += i;
            }
            awaitOffset(10);

            // as a restart or failover of the read model's server does
            try (Connection c = DriverManager.getConnection(
                            ProjectionEnginePostgresIT.URL,
                            ProjectionEnginePostgresIT.USER,
                            ProjectionEnginePostgresIT.PASSWORD);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            + " WHERE application_name = '" + schema + "' AND pid <> pg_backend_pid()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("sessions ended").isPositive();
            }
            for (int i = 11; i <= 20; i++) {
                ProjectionEngineContract.add(store, "cart-" + (i % 3), "apple", i);
                expected += i;
            }

            awaitOffset(20);
            assertThat(qtySum())
                    .as("additive rows: an event applied twice would count twice")
                    .isEqualTo(expected);
            assertThat(engine.assignedPartitions())
                    .as("still held: the runner reconnected instead of failing")
                    .containsExactly(0);
        }
    }
}
