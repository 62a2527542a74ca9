package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.aggregate.Upcasters;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.projection.internal.Runner;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replaying a projection up to a vector position (verify over a partitioned log): events of one partition beyond the
 * position are skipped, and the other partitions' events up to it are still applied, whatever order the log's global
 * read interleaves the partitions in.
 */
class PartitionedReplayTest {
    @TempDir
    Path dir;

    /**
     * Two partitions (aggregate ids ending in an odd digit go to 1); its global read returns partition 0's events first,
     * then partition 1's, an order a partitioned engine may give.
     */
    static final class TwoPartitions implements EventLog {
        private final List<List<RecordedEvent>> parts = List.of(new ArrayList<>(), new ArrayList<>());

        @Override
        public synchronized AppendResult append(
                String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            int p = (aggregateId.charAt(aggregateId.length() - 1) - '0') % 2;
            long version = aggregateVersion(aggregateId);
            long first = version + 1;
            Position last = null;
            for (ProposedEvent e : events) {
                long[] at = new long[2];
                at[p] = parts.get(p).size() + 1;
                last = new Position.Vector(at);
                parts.get(p)
                        .add(new RecordedEvent(
                                e.eventId(),
                                aggregateId,
                                e.eventType(),
                                e.schemaVersion(),
                                e.eventData(),
                                e.metadata(),
                                ++version,
                                last,
                                e.timestamp(),
                                Instant.now()));
            }
            return new AppendResult(aggregateId, first, version, last);
        }

        @Override
        public synchronized List<RecordedEvent> readAggregate(
                String aggregateId, long fromVersion, int limit, ReadDirection direction) {
            return parts.stream()
                    .flatMap(List::stream)
                    .filter(e -> e.aggregateId().equals(aggregateId) && e.version() >= fromVersion)
                    .limit(limit)
                    .toList();
        }

        @Override
        public synchronized long aggregateVersion(String aggregateId) {
            return parts.stream()
                    .flatMap(List::stream)
                    .filter(e -> e.aggregateId().equals(aggregateId))
                    .count();
        }

        @Override
        public synchronized GlobalSlice readAll(Position after, int limit, EventFilter filter) {
            long[] next = ((Position.Vector) after).offsets().clone();
            List<RecordedEvent> out = new ArrayList<>();
            for (int p = 0; p < 2 && out.size() < limit; p++) {
                List<RecordedEvent> part = parts.get(p);
                while (next[p] < part.size() && out.size() < limit) {
                    RecordedEvent e = part.get((int) next[p]++);
                    if (filter.test(e)) {
                        out.add(e);
                    }
                }
            }
            return new GlobalSlice(out, new Position.Vector(next));
        }

        @Override
        public Position start() {
            return new Position.Vector(new long[2]);
        }

        @Override
        public synchronized Position head() {
            return new Position.Vector(
                    new long[] {parts.get(0).size(), parts.get(1).size()});
        }

        @Override
        public boolean awaitAfter(Position after, Duration timeout) {
            return false;
        }

        @Override
        public boolean totallyOrdered() {
            return false;
        }

        @Override
        public void close() {}
    }

    @Test
    void replayUntilVector_skipsLaterEventsOfOnePartition_appliesTheOthers() throws Exception {
        try (EventStore store = EventStore.of(new TwoPartitions());
                ReadModelDatabase db = ReadModelDatabase.sqlite(dir.resolve("rm.db"))) {
            ProjectionEngineContract.add(store, "cart-0", "apple", 1); // p0 offset 1
            ProjectionEngineContract.add(store, "cart-1", "pear", 2); // p1 offset 1
            ProjectionEngineContract.add(store, "cart-0", "apple", 4); // p0 offset 2: beyond the position below
            ProjectionEngineContract.add(store, "cart-3", "plum", 8); // p1 offset 2
            Position until = new Position.Vector(new long[] {1, 2});
            CartProjection carts = new CartProjection("carts");
            try (Connection c = db.openWriter()) {
                try (Statement st = c.createStatement()) {
                    c.setAutoCommit(true);
                    st.execute("CREATE TABLE carts_items_t (cart_id TEXT NOT NULL, sku TEXT NOT NULL,"
                            + " qty BIGINT NOT NULL, PRIMARY KEY (cart_id, sku))");
                    st.execute("CREATE TABLE carts_carts_t (cart_id TEXT PRIMARY KEY, lines BIGINT NOT NULL)");
                }
                Runner.replayInto(store, c, db, carts, Upcasters.none(), "_t", until, 1);
                List<String> rows = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery("SELECT cart_id, sku, qty FROM carts_items_t ORDER BY cart_id")) {
                    while (rs.next()) {
                        rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3));
                    }
                }
                assertThat(rows).containsExactly("cart-0 apple 1", "cart-1 pear 2", "cart-3 plum 8");
            }
        }
    }
}
