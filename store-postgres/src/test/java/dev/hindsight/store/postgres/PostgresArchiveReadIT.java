package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.archive.S3ServerExtension;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.PageBudget;
import dev.hindsight.store.postgres.internal.ArchivedEvents;
import dev.hindsight.store.postgres.internal.EventReader;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads that fall through to the PostgreSQL archive (ADR 0017) against a real S3-compatible server (s3proxy): after
 * archiving, the global log and every aggregate read the same as before (positions, ids, payloads, versions), filters
 * still apply, a damaged object fails the read naming it, and restore still works.
 */
class PostgresArchiveReadIT {
    private static final String BUCKET = "pgarchivereads";
    /** "Now" for the archive runs: later than every event the tests write (a slow machine takes minutes). */
    private static final Instant SOON = Instant.now().plusSeconds(3600);

    @TempDir
    static Path shared;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    private String schema;
    private PostgresEventLog log;
    private EventStore store;
    private ObjectStore archive;

    @BeforeEach
    void open() {
        schema = PgTestSupport.newSchema("archreads");
        log = PostgresEventLog.open(PgTestSupport.options(schema));
        store = EventStore.of(log);
        archive = S3.store(schema);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        archive.close();
        PgTestSupport.dropSchema(schema);
    }

    /**
     * 40 aggregates of two kinds, appended in single events and in batches of up to 4 (so ranges cut through
     * transactions), {@code n} events in all, with payloads that do not compress to nothing.
     */
    private void fill(int n) {
        Random r = new Random(42);
        int written = 0;
        while (written < n) {
            int batch = Math.min(n - written, 1 + r.nextInt(4));
            String agg = (r.nextBoolean() ? "acc-" : "ord-") + r.nextInt(20);
            List<EventData> events = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                String type = r.nextInt(3) == 0 ? "Withdrawn" : "Deposited";
                events.add(EventData.of(
                        type, "{\"n\":" + (written + i) + ",\"note\":\"" + Long.toHexString(r.nextLong()) + "\"}"));
            }
            store.append(agg, ExpectedVersion.ANY, events);
            written += batch;
        }
    }

    private List<RecordedEvent> all(int page, EventFilter filter) {
        List<RecordedEvent> out = new ArrayList<>();
        Position p = Position.START;
        while (true) {
            var s = log.readAll(p, page, filter);
            if (s.events().isEmpty()) {
                return out;
            }
            out.addAll(s.events());
            p = s.next();
        }
    }

    private List<String> aggregates(List<RecordedEvent> events) {
        return events.stream()
                .map(RecordedEvent::aggregateId)
                .distinct()
                .sorted()
                .toList();
    }

    @Test
    void aPageFromTheArchiveIntoTheTable_holdsAtMostOneBudgetAndOneEvent() {
        int chars = 512 * 1024;
        String pad = "x".repeat(chars - 20);
        for (int i = 0; i < 12; i++) {
            store.append(
                    "big-" + (i % 3),
                    ExpectedVersion.ANY,
                    EventData.of("Big", "{\"i\":" + i + ",\"p\":\"" + pad + "\"}"));
        }
        List<RecordedEvent> before = all(1000, EventFilter.ALL);
        var run = log.archiveNow(archive, Duration.ZERO, SOON, before.get(5).position(), 3);
        assertThat(run.error()).isNull();
        assertThat(run.segments()).isEqualTo(2);

        // six archived events are 3 MiB: the table part gets the 1 MiB left of the budget, not a budget of its own
        var page = log.readAll(Position.START, 1000, EventFilter.ALL);
        long bytes = page.events().stream().mapToLong(PageBudget::bytes).sum();
        assertThat(page.events())
                .hasSizeGreaterThan(6)
                .isEqualTo(before.subList(0, page.events().size()));
        assertThat(bytes).isGreaterThanOrEqualTo(PageBudget.BYTES).isLessThan(PageBudget.BYTES + chars + 100);
        assertThat(page.next()).isEqualTo(page.events().getLast().position());
        assertThat(all(1000, EventFilter.ALL)).isEqualTo(before);
    }

    @Test
    void readAll_overArchivedRanges_equalsTheReadBeforeArchiving() {
        fill(1_050);
        List<RecordedEvent> before = all(100, EventFilter.ALL);
        EventFilter accounts = new EventFilter(Set.of(), "acc-");
        EventFilter withdrawals = new EventFilter(Set.of("Withdrawn"), "");
        List<RecordedEvent> accountsBefore = all(33, accounts);
        List<RecordedEvent> withdrawalsBefore = all(50, withdrawals);

        var run = log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 200);
        assertThat(run.error()).isNull();
        assertThat(run.segments()).isEqualTo(5);

        for (int page : new int[] {1, 7, 100, 4096, 10_000}) {
            assertThat(all(page, EventFilter.ALL)).as("pages of " + page).isEqualTo(before);
        }
        assertThat(all(33, accounts)).isEqualTo(accountsBefore);
        assertThat(all(50, withdrawals)).isEqualTo(withdrawalsBefore);
        // from inside an archived range, and from the archived position on
        Position mid = before.get(517).position();
        assertThat(log.readAll(mid, 10, EventFilter.ALL).events()).isEqualTo(before.subList(518, 528));
        Position edge = before.get(999).position();
        assertThat(log.readAll(edge, 100, EventFilter.ALL).events()).isEqualTo(before.subList(1000, 1050));

        // appends after archiving continue the log
        store.append("acc-3", ExpectedVersion.ANY, EventData.of("Deposited", "{}"));
        List<RecordedEvent> after = all(100, EventFilter.ALL);
        assertThat(after.subList(0, before.size())).isEqualTo(before);
        assertThat(after).hasSize(before.size() + 1);
    }

    @Test
    void readAggregate_ofArchivedAggregates_equalsTheReadBeforeArchiving() {
        fill(1_200);
        List<RecordedEvent> before = all(500, EventFilter.ALL);
        List<String> ids = aggregates(before);
        record Read(String id, long from, int limit, ReadDirection dir) {}
        List<Read> reads = new ArrayList<>();
        for (String id : ids) {
            reads.add(new Read(id, 1, 1_000, ReadDirection.FORWARD));
            reads.add(new Read(id, 0, 7, ReadDirection.FORWARD));
            reads.add(new Read(id, 5, 3, ReadDirection.FORWARD)); // time travel: versions 5..7
            reads.add(new Read(id, 12, 1_000, ReadDirection.FORWARD));
            reads.add(new Read(id, Long.MAX_VALUE, 1_000, ReadDirection.BACKWARD));
            reads.add(new Read(id, Long.MAX_VALUE, 4, ReadDirection.BACKWARD));
            reads.add(new Read(id, 9, 5, ReadDirection.BACKWARD));
            reads.add(new Read(id, 1_000_000, 1, ReadDirection.FORWARD));
        }
        List<List<RecordedEvent>> expected = new ArrayList<>();
        for (Read r : reads) {
            expected.add(log.readAggregate(r.id(), r.from(), r.limit(), r.dir()));
        }

        assertThat(log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 250).segments())
                .isEqualTo(4);
        // the table holds little of it now; the reads are the same
        assertThat(all(500, EventFilter.ALL)).isEqualTo(before);
        for (int i = 0; i < reads.size(); i++) {
            Read r = reads.get(i);
            assertThat(log.readAggregate(r.id(), r.from(), r.limit(), r.dir()))
                    .as(r.toString())
                    .isEqualTo(expected.get(i));
        }
        // and a new process (cold cache) reads the same
        try (PostgresEventLog cold = PostgresEventLog.open(PgTestSupport.options(schema))) {
            cold.useArchive(archive);
            assertThat(cold.readAggregate(ids.get(3), 1, 1_000, ReadDirection.FORWARD))
                    .isEqualTo(expected.get(3 * 8));
        }
    }

    @Test
    void reads_withoutTheArchive_failClearly_notWithMissingEvents() {
        fill(300);
        log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 100);
        try (PostgresEventLog other = PostgresEventLog.open(PgTestSupport.options(schema))) {
            assertThatThrownBy(() -> other.readAll(Position.START, 10, EventFilter.ALL))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("archive-url");
            String id = log.readAll(Position.START, 1, EventFilter.ALL)
                    .events()
                    .getFirst()
                    .aggregateId();
            assertThatThrownBy(() -> other.readAggregate(id, 1, 100, ReadDirection.FORWARD))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("archive-url");
        }
    }

    @Test
    void aDamagedObject_failsTheRead_namingItAndTheBlock() throws Exception {
        fill(600);
        List<RecordedEvent> before = all(100, EventFilter.ALL);
        log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 300);
        String key =
                archive.list("postgres/segments/").stream().sorted().toList().getFirst();
        byte[] bytes = archive.get(key);
        assertThat(bytes).isNotNull();
        bytes[200] ^= 0x10; // inside the first block
        archive.put(key, bytes);

        assertThatThrownBy(() -> all(100, EventFilter.ALL))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("block 0");
        String id = before.getFirst().aggregateId();
        assertThatThrownBy(() -> log.readAggregate(id, 1, 1_000, ReadDirection.FORWARD))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining(key);
        // events of the intact object still read
        assertThat(log.readAll(before.get(299).position(), 1_000, EventFilter.ALL)
                        .events())
                .isEqualTo(before.subList(300, before.size()));
    }

    @Test
    void restore_afterReadsFellThrough_putsTheRowsBack_andReadsStayTheSame() {
        fill(500);
        List<RecordedEvent> before = all(100, EventFilter.ALL);
        log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 100);
        assertThat(all(100, EventFilter.ALL)).isEqualTo(before);

        RestoredArchive restored = log.restoreArchive(archive);
        assertThat(restored.events()).isEqualTo(500);
        assertThat(all(100, EventFilter.ALL)).isEqualTo(before);
        String id = before.get(10).aggregateId();
        List<RecordedEvent> history =
                before.stream().filter(e -> e.aggregateId().equals(id)).toList();
        assertThat(log.readAggregate(id, 1, 1_000, ReadDirection.FORWARD)).isEqualTo(history);

        // archived again (same keys): still the same
        assertThat(log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 100).segments())
                .isEqualTo(5);
        assertThat(all(100, EventFilter.ALL)).isEqualTo(before);
        assertThat(log.readAggregate(id, 1, 1_000, ReadDirection.FORWARD)).isEqualTo(history);
    }

    @Test
    void anArchiveMadeBeforeTheIndex_isIndexedByTheNextRun() throws Exception {
        fill(400);
        List<RecordedEvent> before = all(100, EventFilter.ALL);
        log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 100);
        PgTestSupport.execute(
                "DELETE FROM " + schema + ".archived_aggregates; DELETE FROM " + schema + ".archived_segments");
        try (PostgresEventLog reopened = PostgresEventLog.open(PgTestSupport.options(schema))) {
            reopened.useArchive(archive);
            assertThatThrownBy(() -> reopened.readAll(Position.START, 10, EventFilter.ALL))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("next archive run");
            String id = before.getFirst().aggregateId();
            List<RecordedEvent> history =
                    before.stream().filter(e -> e.aggregateId().equals(id)).toList();
            assertThatThrownBy(() -> reopened.readAggregate(id, 1, 1_000, ReadDirection.FORWARD))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("next archive run");
            assertThat(reopened.archiveNow(archive, Duration.ZERO, SOON, reopened.head(), 100)
                            .error())
                    .isNull();
            List<RecordedEvent> read = new ArrayList<>();
            Position p = Position.START;
            while (true) {
                var s = reopened.readAll(p, 100, EventFilter.ALL);
                if (s.events().isEmpty()) {
                    break;
                }
                read.addAll(s.events());
                p = s.next();
            }
            assertThat(read).isEqualTo(before);
            assertThat(reopened.readAggregate(id, 1, 1_000, ReadDirection.FORWARD))
                    .isEqualTo(history);
        }
    }

    /**
     * Cold (a new cache each read, as in a process that has just started) and warm reads of archived orders through
     * s3proxy, against hot reads of the same orders from the table before archiving: 1,000 orders of 6 events, each
     * order's events among those of 99 others (as orders interleave in a shop), archived in objects of 2,000 events.
     * Prints the percentiles (docs/benchmarks.md) and checks them against a loose bound (shared, loaded machines).
     */
    @Test
    void archivedAggregateReads_coldAndWarm_latency() throws SQLException {
        String[] types = {"OrderCreated", "OrderPaid", "OrderShipped", "OrderDelivered", "OrderReviewed", "OrderClosed"
        };
        List<String> ids = new ArrayList<>();
        for (int batch = 0; batch < 10; batch++) {
            for (String type : types) {
                for (int j = 0; j < 100; j++) {
                    String id = "ord_" + (batch * 100 + j);
                    if (type.equals(types[0])) {
                        ids.add(id);
                    }
                    store.append(
                            id,
                            ExpectedVersion.ANY,
                            EventData.of(
                                    type,
                                    "{\"order\":\"" + id
                                            + "\",\"user_id\":\"usr_" + j + "\",\"total_minor\":" + (1000 + batch * j)
                                            + ",\"currency\":\"EUR\"}"));
                }
            }
        }
        int n = 300;
        long[] hot = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            log.readAggregate(ids.get((i * 7) % ids.size()), 1, 1_000, ReadDirection.FORWARD);
            hot[i] = System.nanoTime() - t0;
        }
        long t = System.nanoTime();
        int total = all(1_000, EventFilter.ALL).size();
        double hotScan = (System.nanoTime() - t) / 1e6;
        log.archiveNow(archive, Duration.ZERO, SOON, log.head(), 2_000);
        EventReader reader = new EventReader(log.dataSource(), schema);
        ArchivedEvents scanner = new ArchivedEvents(log.dataSource(), schema, reader, 64L << 20);
        scanner.attach(archive);
        double[] scans = new double[2]; // cold, then warm
        for (int k = 0; k < 2; k++) {
            t = System.nanoTime();
            long after = 0;
            int read = 0;
            while (true) {
                var page = scanner.readAll(after, 1_000, EventFilter.ALL);
                if (page.events().isEmpty()) {
                    break;
                }
                read += page.events().size();
                after = ((Position.Sequence) page.next()).value();
            }
            scans[k] = (System.nanoTime() - t) / 1e6;
            assertThat(read).isEqualTo(total);
        }
        System.out.printf(
                "global log of %d events in pages of 1000: table %.1f ms, archive cold %.1f ms, warm %.1f ms%n",
                total, hotScan, scans[0], scans[1]);
        long[] cold = new long[n];
        long[] warm = new long[n];
        ArchivedEvents shared = new ArchivedEvents(log.dataSource(), schema, reader, 64L << 20);
        shared.attach(archive);
        for (int i = 0; i < n; i++) {
            String id = ids.get((i * 7) % ids.size());
            ArchivedEvents fresh = new ArchivedEvents(log.dataSource(), schema, reader, 64L << 20);
            fresh.attach(archive);
            long t0 = System.nanoTime();
            List<RecordedEvent> read = fresh.readAggregate(id, 1, 1_000, ReadDirection.FORWARD);
            cold[i] = System.nanoTime() - t0;
            assertThat(read).hasSize(6);
            shared.readAggregate(id, 1, 1_000, ReadDirection.FORWARD);
        }
        for (int i = 0; i < n; i++) { // as the hot reads: one loop, everything cached
            long t0 = System.nanoTime();
            shared.readAggregate(ids.get((i * 7) % ids.size()), 1, 1_000, ReadDirection.FORWARD);
            warm[i] = System.nanoTime() - t0;
        }
        Arrays.sort(hot);
        Arrays.sort(cold);
        Arrays.sort(warm);
        int p50 = n / 2;
        int p99 = n * 99 / 100;
        System.out.printf(
                "archived order reads (6 events): hot (table, before archiving) p50 %.2f ms p99 %.2f ms, cold p50"
                        + " %.2f ms p99 %.2f ms, warm p50 %.2f ms p99 %.2f ms%n",
                hot[p50] / 1e6, hot[p99] / 1e6, cold[p50] / 1e6, cold[p99] / 1e6, warm[p50] / 1e6, warm[p99] / 1e6);
        assertThat(cold[p99] / 1_000_000).as("cold p99 ms").isLessThan(500);
    }
}
