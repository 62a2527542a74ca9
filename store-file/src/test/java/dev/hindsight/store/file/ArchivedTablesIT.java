package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.archive.S3ServerExtension;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.file.internal.ArchiveManifest;
import dev.hindsight.testkit.ForwardingObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archived segments' block tables kept in {@code <data-dir>/archive/tables/} (ADR 0012, session 17 amendment), against
 * a real S3-compatible server (s3proxy): a cold read after a restart asks only for blocks; a missing table is fetched
 * once and kept; a damaged one is detected by its checksum and fetched again; a restore keeps them too.
 */
class ArchivedTablesIT {
    private static final String BUCKET = "tables";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @TempDir
    Path dir;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    /** The real store, recording every ranged read (key, offset, length) that is not the open's header warm-up. */
    static final class Recording extends ForwardingObjectStore {
        final List<long[]> ranged = Collections.synchronizedList(new ArrayList<>());
        final List<String> keys = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger headerGets = new AtomicInteger();

        Recording(ObjectStore real) {
            super(real);
        }

        @Override
        public byte[] get(String key, long offset, int length) throws IOException {
            if (offset == 0 && length == 64) {
                headerGets.incrementAndGet();
            } else {
                synchronized (ranged) {
                    ranged.add(new long[] {offset, length});
                    keys.add(key);
                }
            }
            return delegate.get(key, offset, length);
        }

        /** Ranged reads of a block table since the mark (blocks end before it; a whole-object read starts at 0). */
        int tableReads(List<ArchiveManifest.Entry> entries, int from) {
            int n = 0;
            synchronized (ranged) {
                for (int i = from; i < ranged.size(); i++) {
                    for (ArchiveManifest.Entry e : entries) {
                        if (keys.get(i).endsWith(e.key()) && ranged.get(i)[0] == e.tableOffset()) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }

        void awaitWarmUp(int before) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (headerGets.get() < before + 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
    }

    private ObjectStore newStore() {
        return S3.store("tables-" + PREFIXES.incrementAndGet());
    }

    private Path table(long base) {
        return dir.resolve("archive").resolve("tables").resolve(String.format("%020d.ztab", base));
    }

    private List<RecordedEvent> of(List<RecordedEvent> all, String id) {
        return all.stream().filter(e -> e.aggregateId().equals(id)).toList();
    }

    /** Fills and archives (1 MiB segments, no local copies); returns every event written. */
    private List<RecordedEvent> archived(ObjectStore st) throws Exception {
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(dir, st))) {
            return ArchiveIT.fillInterleavedAndArchive(log);
        }
    }

    private Map<Long, byte[]> tables(List<ArchiveManifest.Entry> entries) throws IOException {
        Map<Long, byte[]> out = new HashMap<>();
        for (ArchiveManifest.Entry e : entries) {
            out.put(e.base(), Files.readAllBytes(table(e.base())));
        }
        return out;
    }

    @Test
    void coldReadAfterRestart_asksTheArchiveOnlyForBlocks() throws Exception {
        Recording rec = new Recording(newStore());
        List<RecordedEvent> written = archived(rec);
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        assertThat(entries).hasSizeGreaterThanOrEqualTo(2);
        for (ArchiveManifest.Entry e : entries) {
            assertThat(table(e.base())).exists(); // written at archive time
        }
        int headers = rec.headerGets.get();
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(dir, rec))) {
            rec.awaitWarmUp(headers);
            for (int a = 0; a < 10; a++) {
                String id = "agg-" + a;
                int mark = rec.ranged.size();
                assertThat(log.readAggregate(id, 1, 10_000, ReadDirection.FORWARD))
                        .isEqualTo(of(written, id));
                // every block of every segment holds events of each aggregate: one coalesced read per segment, the
                // first read of a segment included, and never a block table
                assertThat(rec.ranged.size() - mark).isLessThanOrEqualTo(entries.size());
                assertThat(rec.tableReads(entries, mark)).isZero();
            }
        }
    }

    @Test
    void missingLocalTable_isFetchedOnceAndKept() throws Exception {
        Recording rec = new Recording(newStore());
        List<RecordedEvent> written = archived(rec);
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        Map<Long, byte[]> original = tables(entries);
        deleteTree(dir.resolve("archive").resolve("tables")); // a store copied without them

        int mark = rec.ranged.size();
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(dir, rec))) {
            assertThat(log.readAggregate("agg-1", 1, 10_000, ReadDirection.FORWARD))
                    .isEqualTo(of(written, "agg-1"));
            assertThat(rec.tableReads(entries, mark)).isEqualTo(entries.size());
            assertThat(log.readAggregate("agg-2", 1, 10_000, ReadDirection.FORWARD))
                    .isEqualTo(of(written, "agg-2"));
        }
        for (ArchiveManifest.Entry e : entries) {
            assertThat(Files.readAllBytes(table(e.base()))).isEqualTo(original.get(e.base()));
        }
        mark = rec.ranged.size();
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(dir, rec))) {
            assertThat(log.readAggregate("agg-3", 1, 10_000, ReadDirection.FORWARD))
                    .isEqualTo(of(written, "agg-3"));
        }
        assertThat(rec.tableReads(entries, mark)).isZero(); // kept across the restart
    }

    @Test
    void corruptLocalTable_isDetectedByItsChecksumAndFetchedAgain() throws Exception {
        Recording rec = new Recording(newStore());
        List<RecordedEvent> written = archived(rec);
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        Map<Long, byte[]> original = tables(entries);
        ArchiveManifest.Entry first = entries.get(0);
        ArchiveManifest.Entry second = entries.get(1);
        CompressedSegmentTest.flip(table(first.base()), 64 + 30); // an entry of the table: its CRC fails
        CompressedSegmentTest.flip(table(second.base()), 13); // the header: its CRC fails

        int mark = rec.ranged.size();
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(dir, rec))) {
            for (int a = 0; a < 10; a++) {
                assertThat(log.readAggregate("agg-" + a, 1, 10_000, ReadDirection.FORWARD))
                        .isEqualTo(of(written, "agg-" + a));
            }
        }
        assertThat(rec.tableReads(entries, mark)).isEqualTo(2);
        for (ArchiveManifest.Entry e : entries) {
            assertThat(Files.readAllBytes(table(e.base()))).isEqualTo(original.get(e.base()));
        }
    }

    @Test
    void restore_keepsTheBlockTablesLocally() throws Exception {
        Recording rec = new Recording(newStore());
        List<RecordedEvent> written = archived(rec);
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        Path fresh = dir.resolveSibling(dir.getFileName() + "-restored");
        FileArchive.restore(fresh, rec);
        int mark = rec.ranged.size();
        try (FileEventLog log = FileEventLog.open(ArchiveIT.manyBlocks(fresh, rec))) {
            // the open rebuilt the indexes from each whole object, and kept the tables on the way
            long lastArchived = entries.getLast().base() + entries.getLast().records() - 1;
            // the restored store holds the archived events only (not the old store's active segment)
            assertThat(log.readAggregate("agg-5", 1, 10_000, ReadDirection.FORWARD))
                    .isEqualTo(of(written, "agg-5").stream()
                            .filter(e -> ((dev.hindsight.core.Position.Sequence) e.position()).value() <= lastArchived)
                            .toList());
        }
        assertThat(rec.tableReads(entries, mark)).isZero();
        for (ArchiveManifest.Entry e : entries) {
            assertThat(Files.readAllBytes(
                            fresh.resolve("archive/tables").resolve(String.format("%020d.ztab", e.base()))))
                    .isEqualTo(Files.readAllBytes(table(e.base())));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
