package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.appendN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.archive.S3ObjectStore;
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
import dev.hindsight.testkit.ForwardingObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Archive to a real S3-compatible server (s3proxy): upload, read-through, restore, faults. */
class ArchiveIT {
    private static final String BUCKET = "archive";

    @TempDir
    Path dir;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private String prefix;
    private ObjectStore store;

    private ObjectStore newStore() {
        prefix = "store-" + PREFIXES.incrementAndGet();
        store = S3.store(prefix);
        return store;
    }

    private FileLogOptions options(Path d, @Nullable ObjectStore archive) {
        FileLogOptions o = FileLogOptions.defaults(d)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(64 * 1024)
                .withBlockCacheBytes(256 * 1024);
        return archive == null ? o : o.withArchive(new ArchiveOptions(archive, Duration.ZERO, Duration.ofHours(1)));
    }

    private static List<RecordedEvent> all(FileEventLog log) {
        return FileLogTestSupport.readWholeLog(log);
    }

    private static void fill(FileEventLog log, int events) {
        EventStore es = EventStore.of(log);
        for (int a = 0; a < 10; a++) {
            appendN(es, "agg-" + a, events / 10);
        }
    }

    private List<Path> local(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        }
    }

    @Test
    void archive_movesSealedSegmentsToS3_andReadsFallThrough() throws Exception {
        ObjectStore st = newStore();
        List<RecordedEvent> written;
        int archivedSegments;
        try (FileEventLog log = FileEventLog.open(options(dir, st))) {
            fill(log, 2000);
            written = all(log);
            var run = log.archiveNow();
            assertThat(run.error()).isNull();
            archivedSegments = run.segments();
            assertThat(archivedSegments).isGreaterThanOrEqualTo(2);
            assertThat(local(".zlog")).isEmpty();
            assertThat(all(log)).isEqualTo(written);
            assertThat(log.tiers().archivedEvents()).isEqualTo(run.events());
            assertThat(log.tiers().hotEvents() + log.tiers().archivedEvents()).isEqualTo(2000);
        }
        assertThat(st.list("segments/")).hasSize(archivedSegments);
        assertThat(st.get("manifest.json")).isNotNull();

        S3ObjectStore again = S3.store(prefix);
        try (FileEventLog log = FileEventLog.open(options(dir, again))) {
            assertThat(all(log)).isEqualTo(written);
            assertThat(log.readAggregate("agg-0", 1, 1000, ReadDirection.FORWARD))
                    .hasSize(200);
            EventStore.of(log).append("agg-0", ExpectedVersion.exact(200), EventData.of("After", "{}"));
        }
        // archived blocks were read with SigV4-signed ranged GETs, none of them asked again through the SDK
        assertThat(again.signedGets()).isPositive();
        assertThat(again.signedGetFallbacks()).isZero();
    }

    /** Options with 1 MiB segments (many 64 KiB blocks each) and no local copies: every archived read is remote. */
    static FileLogOptions manyBlocks(Path d, ObjectStore archive) {
        return FileLogOptions.defaults(d)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(1024 * 1024)
                .withArchive(new ArchiveOptions(archive, Duration.ZERO, Duration.ofHours(1), 0));
    }

    /** Ten aggregates whose events alternate, so that each has events in every block; archives; returns all. */
    static List<RecordedEvent> fillInterleavedAndArchive(FileEventLog log) throws Exception {
        EventStore es = EventStore.of(log);
        for (int n = 0; n < 1500; n++) {
            for (int a = 0; a < 10; a++) {
                String pad = Integer.toHexString(n * 31 + a).repeat(20 + (n * 7 + a) % 40);
                es.append(
                        "agg-" + a, ExpectedVersion.ANY, EventData.of("E", "{\"n\":" + n + ",\"p\":\"" + pad + "\"}"));
            }
        }
        List<RecordedEvent> written = all(log);
        var run = log.archiveNow();
        assertThat(run.error()).isNull();
        assertThat(run.segments()).isGreaterThanOrEqualTo(2);
        return written;
    }

    @Test
    void aggregateSpreadOverManyArchivedBlocks_isReadWithAFewRangedRequests() throws Exception {
        FailingStore counting = new FailingStore(newStore(), 0);
        List<RecordedEvent> written;
        try (FileEventLog log = FileEventLog.open(manyBlocks(dir, counting))) {
            written = fillInterleavedAndArchive(log);
        }
        int archived = store.list("segments/").size();
        int headersBefore = counting.headerGets.get();
        try (FileEventLog log = FileEventLog.open(manyBlocks(dir, counting))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (counting.headerGets.get() < headersBefore + 4 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the open warms the client up in the background: four reads of a header
            }
            assertThat(counting.headerGets.get()).isEqualTo(headersBefore + 4);
            for (int a = 0; a < 10; a++) {
                String id = "agg-" + a;
                int before = counting.rangedGets.get();
                assertThat(log.readAggregate(id, 1, 10_000, ReadDirection.FORWARD))
                        .isEqualTo(written.stream()
                                .filter(e -> e.aggregateId().equals(id))
                                .toList());
                int requests = counting.rangedGets.get() - before;
                // one coalesced read of each archived segment's blocks; the block tables are local (ArchivedTablesIT)
                assertThat(requests).isLessThanOrEqualTo(archived);
            }
        }
    }

    /**
     * An aggregate whose four blocks lie ~0.4 MiB apart (compressed) in an archived segment of ~3 MiB: while a local
     * copy will come, one ranged read spans them (1 MiB gap); when none can (copies off, or the segment larger than
     * their budget) every read stays remote and each block is fetched alone (256 KiB gap), not with ~1.2 MB between.
     */
    @Test
    void sparseAggregate_isCoalescedWithTheSmallGap_onlyWhenNoCopyWillCome() throws Exception {
        ObjectStore st = newStore();
        List<RecordedEvent> sparse;
        try (FileEventLog log = FileEventLog.open(sparseOptions(dir, st, 0))) {
            EventStore es = EventStore.of(log);
            java.util.Random rnd = new java.util.Random(3);
            for (int round = 0; round < 12; round++) {
                if (round < 4) {
                    es.append("sparse", ExpectedVersion.ANY, EventData.of("E", "{\"round\":" + round + "}"));
                }
                for (int i = 0; i < 128; i++) { // ~512 KiB of barely compressible filler between its events
                    byte[] b = new byte[3000];
                    rnd.nextBytes(b);
                    String p = java.util.Base64.getEncoder().encodeToString(b);
                    es.append(
                            "filler-" + round + "-" + i,
                            ExpectedVersion.ANY,
                            EventData.of("F", "{\"p\":\"" + p + "\"}"));
                }
            }
            sparse = log.readAggregate("sparse", 1, 100, ReadDirection.FORWARD);
            assertThat(sparse).hasSize(4);
            assertThat(log.archiveNow().error()).isNull();
        }
        long object = store.head("segments/00000000000000000001.zlog").size();
        assertThat(object).isBetween(2L << 20, 4L << 20);

        // copies off, and a budget smaller than the object: no copy will come, four single-block reads
        for (long budget : new long[] {0, object - 1}) {
            FailingStore counting = new FailingStore(newStoreSamePrefix(), 0);
            try (FileEventLog log = FileEventLog.open(sparseOptions(dir, counting, budget))) {
                int before = counting.rangedGets.get();
                assertThat(log.readAggregate("sparse", 1, 100, ReadDirection.FORWARD))
                        .isEqualTo(sparse);
                assertThat(counting.rangedGets.get() - before)
                        .as("budget " + budget)
                        .isEqualTo(4);
            }
        }
        // a copy will come: one coalesced read (and the copy's own request for the whole object)
        FailingStore counting = new FailingStore(newStoreSamePrefix(), 0);
        try (FileEventLog log = FileEventLog.open(sparseOptions(dir, counting, object))) {
            assertThat(log.readAggregate("sparse", 1, 100, ReadDirection.FORWARD))
                    .isEqualTo(sparse);
            assertThat(counting.rangedLengths.stream().filter(n -> n != object).count())
                    .isEqualTo(1);
        }
    }

    /** 4 MiB segments, local copies within {@code cacheBytes} (0: none). */
    private static FileLogOptions sparseOptions(Path d, ObjectStore archive, long cacheBytes) {
        return FileLogOptions.defaults(d)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(4 * 1024 * 1024)
                .withArchive(new ArchiveOptions(archive, Duration.ZERO, Duration.ofHours(1), cacheBytes));
    }

    @Test
    void corruptBlockInACoalescedRead_failsTheAggregateReadClearly() throws Exception {
        ObjectStore st = newStore();
        try (FileEventLog log = FileEventLog.open(manyBlocks(dir, st))) {
            fillInterleavedAndArchive(log);
        }
        Path object = S3.file(prefix + "/segments/00000000000000000001.zlog");
        CompressedSegmentTest.flip(object, Files.size(object) / 3);

        try (FileEventLog log = FileEventLog.open(manyBlocks(dir, newStoreSamePrefix()))) {
            assertThatThrownBy(() -> log.readAggregate("agg-4", 1, 10_000, ReadDirection.FORWARD))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("00000000000000000001.zlog")
                    .hasMessageContaining("CRC");
        }
    }

    private ObjectStore newStoreSamePrefix() {
        return S3.store(prefix);
    }

    @Test
    void warmArchivedReads_areServedFromTheLocalCopy() throws Exception {
        ObjectStore st = newStore();
        // a block cache too small to hold a block: every read below goes to a segment's source
        FileLogOptions o = options(dir, st).withBlockCacheBytes(1);
        try (FileEventLog log = FileEventLog.open(o)) {
            fill(log, 2000);
            List<RecordedEvent> written = all(log);
            var run = log.archiveNow();
            assertThat(run.segments()).isGreaterThanOrEqualTo(2);
            assertThat(all(log)).isEqualTo(written); // cold: from S3; starts a checked local copy of each segment
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (cached().size() < run.segments() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(cached()).hasSize(run.segments());

            for (String key : st.list("segments/")) {
                st.delete(key); // only the local copies are left
            }
            assertThat(all(log)).isEqualTo(written);
            assertThat(log.readAggregate("agg-3", 1, 1000, ReadDirection.FORWARD))
                    .hasSize(200)
                    .isEqualTo(written.stream()
                            .filter(e -> e.aggregateId().equals("agg-3"))
                            .toList());
        }
    }

    private List<Path> cached() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("archive-cache"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".zlog")).toList();
        }
    }

    @Test
    void restore_fromTheArchiveAlone_rebuildsAWorkingStore() throws Exception {
        ObjectStore st = newStore();
        List<RecordedEvent> written;
        long archivedEvents;
        try (FileEventLog log = FileEventLog.open(options(dir, st))) {
            fill(log, 2000);
            written = all(log);
            archivedEvents = log.archiveNow().events();
        }
        Path fresh = dir.resolveSibling(dir.getFileName() + "-restored");
        var status = FileArchive.restore(fresh, st);
        assertThat(status.events()).isEqualTo(archivedEvents);
        assertThat(status.firstPosition()).isEqualTo(1);

        try (FileEventLog log = FileEventLog.open(options(fresh, st))) {
            assertThat(all(log)).isEqualTo(written.subList(0, (int) archivedEvents));
            assertThat(log.verify(10).problems()).isEmpty();
            var appended = EventStore.of(log).append("new-1", ExpectedVersion.NO_STREAM, EventData.of("E", "{}"));
            assertThat(appended.position()).isEqualTo(Position.of(archivedEvents + 1));
        }
        assertThatThrownBy(() -> FileArchive.restore(fresh, st)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void corruptObject_failsTheReadClearly_neverWrongData() throws Exception {
        ObjectStore st = newStore();
        try (FileEventLog log = FileEventLog.open(options(dir, st))) {
            fill(log, 2000);
            log.archiveNow();
        }
        Path object = S3.file(prefix + "/segments/00000000000000000001.zlog");
        CompressedSegmentTest.flip(object, 64 + 50);

        S3ObjectStore again = S3.store(prefix);
        try (FileEventLog log = FileEventLog.open(options(dir, again))) {
            assertThatThrownBy(() -> log.readAll(Position.START, 10, EventFilter.ALL))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("00000000000000000001.zlog")
                    .hasMessageContaining("CRC");
        }
        assertThat(again.signedGets()).isPositive(); // the damaged bytes came by the signed path and were caught
    }

    @Test
    void uploadFailureMidway_keepsTheSegmentLocal_andTheNextRunFinishes() throws Exception {
        ObjectStore st = newStore();
        FailingStore failing = new FailingStore(st, 2); // the second put fails
        List<RecordedEvent> written;
        try (FileEventLog log = FileEventLog.open(options(dir, failing))) {
            fill(log, 2000);
            written = all(log);
            var first = log.archiveNow();
            assertThat(first.error()).contains("injected");
            assertThat(all(log)).isEqualTo(written);
            int leftLocal = local(".zlog").size();
            assertThat(leftLocal).isPositive();

            var second = log.archiveNow();
            assertThat(second.error()).isNull();
            assertThat(local(".zlog")).isEmpty();
            assertThat(all(log)).isEqualTo(written);
        }
        // one object per segment, each matching the manifest
        var manifest = FileArchive.remoteStatus(st);
        assertThat(st.list("segments/")).hasSize(manifest.segments());
    }

    @Test
    void restartBetweenUploadAndManifest_reusesTheUploadedObject() throws Exception {
        ObjectStore st = newStore();
        List<RecordedEvent> written;
        try (FileEventLog log = FileEventLog.open(options(dir, null))) {
            fill(log, 2000);
            log.awaitCompaction();
            written = all(log);
        }
        // what a crash right after the upload leaves: the object, but no manifest entry and the local file
        Path first = local(".zlog").stream().sorted().findFirst().orElseThrow();
        st.put("segments/" + first.getFileName(), first);
        FailingStore counting = new FailingStore(st, Integer.MAX_VALUE);

        try (FileEventLog log = FileEventLog.open(options(dir, counting))) {
            var run = log.archiveNow();
            assertThat(run.error()).isNull();
            assertThat(counting.segmentPuts.get()).isEqualTo(run.segments() - 1); // the first was not sent again
            assertThat(all(log)).isEqualTo(written);
        }
    }

    @Test
    void archivedStore_openedWithoutItsArchive_saysHowToReadIt() throws Exception {
        ObjectStore st = newStore();
        try (FileEventLog log = FileEventLog.open(options(dir, st))) {
            fill(log, 2000);
            log.archiveNow();
        }
        // open (which reads the newest archived event of aggregates the active segment continues) or the first
        // read of an archived range fails, saying what to do
        assertThatThrownBy(() -> {
                    try (FileEventLog log = FileEventLog.open(options(dir, null))) {
                        log.readAll(Position.START, 10, EventFilter.ALL);
                    }
                })
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("--archive-url");
    }

    /** The real store, with the n-th segment upload failing (fault injection, not a fake server). */
    static final class FailingStore extends ForwardingObjectStore {
        private final int failAt;
        final AtomicInteger segmentPuts = new AtomicInteger();
        final AtomicInteger rangedGets = new AtomicInteger();
        /** Reads of a segment's 64-byte header: what an open's background warm-up of the client asks for. */
        final AtomicInteger headerGets = new AtomicInteger();
        /** The lengths of the ranged reads counted in {@link #rangedGets}. */
        final java.util.Queue<Long> rangedLengths = new java.util.concurrent.ConcurrentLinkedQueue<>();

        FailingStore(ObjectStore real, int failAt) {
            super(real);
            this.failAt = failAt;
        }

        @Override
        public void put(String key, Path file) throws IOException {
            if (segmentPuts.incrementAndGet() == failAt) {
                throw new IOException("injected upload failure for " + key);
            }
            delegate.put(key, file);
        }

        @Override
        public byte[] get(String key, long offset, int length) throws IOException {
            if (offset == 0 && length == 64) {
                headerGets.incrementAndGet();
            } else {
                rangedGets.incrementAndGet();
                rangedLengths.add((long) length);
            }
            return delegate.get(key, offset, length);
        }
    }
}
