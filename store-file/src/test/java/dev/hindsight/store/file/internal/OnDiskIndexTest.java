package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file log on its on-disk indexes (ADR 0008): exact duplicate detection and versions across many rolls and merges,
 * also when every key hash collides; damaged or missing index files rebuilt from the log; upgrade of a store written
 * by the version with a whole-index checkpoint.
 */
class OnDiskIndexTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    @AfterEach
    void restoreHashes() {
        Indexes.aggregateHash = dev.hindsight.index.KeyHash::of;
        Indexes.idHash = dev.hindsight.index.KeyHash::of;
        Indexes.keyBits = 40;
    }

    private FileLogOptions options() {
        return FileLogOptions.defaults(dir).withSegmentBytes(64 * 1024).withIndexCacheEntries(8);
    }

    private static ProposedEvent event(UUID id, String aggregate, int i) {
        return new ProposedEvent(id, aggregate, "T", 1, "{\"i\":" + i + "}", "{\"timestamp\":\"" + T + "\"}", T, false);
    }

    /** The model of what was appended: events by position, positions by aggregate. */
    private final List<ProposedEvent> appended = new ArrayList<>(List.of(event(new UUID(0, 0), "", 0)));

    private final Map<String, List<Long>> model = new HashMap<>();

    private void appendRandom(FileEventLog log, Random random, int n, int aggregates) {
        for (int i = 0; i < n; i++) {
            String agg = "agg-" + random.nextInt(aggregates);
            int size = 1 + random.nextInt(3);
            List<ProposedEvent> events = new ArrayList<>();
            for (int k = 0; k < size; k++) {
                events.add(event(new UUID(random.nextLong(), random.nextLong()), agg, appended.size() + k));
            }
            long version = model.getOrDefault(agg, List.of()).size();
            AppendResult r = log.append(agg, ExpectedVersion.exact(version), events);
            long last = ((Position.Sequence) r.position()).value();
            for (int k = 0; k < size; k++) {
                appended.add(events.get(k));
                model.computeIfAbsent(agg, a -> new ArrayList<>()).add(last - size + 1 + k);
            }
            assertThat(last).isEqualTo(appended.size() - 1);
        }
    }

    private void checkAgainstModel(FileEventLog log, Random random) {
        for (Map.Entry<String, List<Long>> e : model.entrySet()) {
            List<Long> ps = e.getValue();
            assertThat(log.aggregateVersion(e.getKey())).isEqualTo(ps.size());
            long from = 1 + random.nextInt(ps.size());
            List<RecordedEvent> fwd = log.readAggregate(e.getKey(), from, 50, ReadDirection.FORWARD);
            assertThat(fwd)
                    .extracting(RecordedEvent::position)
                    .isEqualTo(ps.subList((int) from - 1, (int) Math.min(ps.size(), from - 1 + 50)).stream()
                            .map(Position::of)
                            .toList());
            List<RecordedEvent> back = log.readAggregate(e.getKey(), Long.MAX_VALUE, 3, ReadDirection.BACKWARD);
            assertThat(back.getFirst().version()).isEqualTo(ps.size());
        }
        assertThat(log.aggregateVersion("never-written")).isZero();
        assertThat(log.readAggregate("never-written", 1, 10, ReadDirection.FORWARD))
                .isEmpty();
        for (int i = 0; i < 100; i++) {
            int p = 1 + random.nextInt(appended.size() - 1);
            ProposedEvent old = appended.get(p);
            AppendResult retry = log.append(old.aggregateId(), ExpectedVersion.ANY, List.of(old));
            assertThat(retry.position()).isEqualTo(Position.of(p));
            ProposedEvent changed = event(old.eventId(), old.aggregateId(), -1);
            assertThatThrownBy(() -> log.append(old.aggregateId(), ExpectedVersion.ANY, List.of(changed)))
                    .isInstanceOf(DuplicateEventIdException.class);
        }
        String agg = model.keySet().iterator().next();
        assertThatThrownBy(() -> log.append(
                        agg,
                        ExpectedVersion.exact(model.get(agg).size() - 1),
                        List.of(event(UUID.randomUUID(), agg, 0))))
                .isInstanceOf(WrongExpectedVersionException.class);
    }

    private void awaitMergedRun() throws InterruptedException, IOException {
        for (int i = 0; i < 200 && !files(dir.resolve("index")).stream().anyMatch(f -> f.startsWith("ids-1-")); i++) {
            Thread.sleep(50);
        }
        assertThat(files(dir.resolve("index"))).anyMatch(f -> f.startsWith("ids-1-"));
    }

    @Test
    void duplicatesAndVersions_acrossManyRollsAndMerges_areExact() throws Exception {
        Random random = new Random(12);
        try (FileEventLog log = FileEventLog.open(options())) {
            appendRandom(log, random, 2500, 40);
            awaitMergedRun();
            checkAgainstModel(log, random);
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.indexCheckpointPosition()).isPositive();
            checkAgainstModel(log, random);
            appendRandom(log, random, 300, 40);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    @Test
    void forcedHashCollisions_leaveVersionsReadsAndDuplicatesExact() throws Exception {
        Indexes.aggregateHash = id -> 42; // every aggregate shares one hash
        Indexes.idHash = (msb, lsb) -> msb & 3; // four hashes for all event ids
        Random random = new Random(34);
        try (FileEventLog log = FileEventLog.open(options())) {
            appendRandom(log, random, 1200, 12);
            awaitMergedRun();
            checkAgainstModel(log, random);
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            checkAgainstModel(log, random);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    /** One 4 MiB segment (about 25,000 of these events) whose index memtable spills every 1,024 events (ADR 0020). */
    private FileLogOptions spilling() {
        return options().withSegmentBytes(4 << 20).withMemtableEvents(1024);
    }

    @Test
    void spills_writeRunsInsideTheActiveSegment_andKeepVersionsReadsAndDuplicatesExact() throws Exception {
        Random random = new Random(21);
        try (FileEventLog log = FileEventLog.open(spilling())) {
            appendRandom(log, random, 3000, 50);
            checkAgainstModel(log, random);
        }
        assertThat(files(dir.resolve("segments"))).hasSize(1); // every run below was written by a spill
        try (FileEventLog log = FileEventLog.open(spilling())) {
            // the runs end inside the one segment, less than a memtable (plus one append) before its end; the
            // checkpoint restored the segment's offsets without a scan
            assertThat(log.indexCheckpointPosition()).isBetween(appended.size() - 1L - 1024 - 3, appended.size() - 2L);
            assertThat(log.activeCheckpointEvents()).isEqualTo(appended.size() - 1);
            assertThat(log.indexMemtableEvents())
                    .isEqualTo(appended.size() - 1 - log.indexCheckpointPosition())
                    .isLessThan(1024 + 3);
            checkAgainstModel(log, random);
            appendRandom(log, random, 500, 50);
            assertThat(log.verify(10).problems()).isEmpty();
        }
        try (FileEventLog log = FileEventLog.open(spilling())) {
            checkAgainstModel(log, random);
        }
    }

    @Test
    void afterACrash_theScanOfTheActiveSegmentIndexesOnlyWhatTheRunsDoNotCover() throws Exception {
        Random random = new Random(22);
        try (FileEventLog log = FileEventLog.open(spilling())) {
            appendRandom(log, random, 3000, 50);
        }
        Files.delete(dir.resolve("index").resolve(ActiveCheckpoint.FILE)); // as after kill -9
        try (FileEventLog log = FileEventLog.open(spilling())) {
            assertThat(log.activeCheckpointEvents()).isZero();
            assertThat(log.indexCheckpointPosition()).isBetween(1024L, appended.size() - 1L);
            checkAgainstModel(log, random);
            appendRandom(log, random, 500, 50);
            checkAgainstModel(log, random);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    /** Index runs that name positions the log no longer holds (a log restored from an older copy) are rebuilt. */
    @Test
    void runsEndingBeyondTheLog_areRebuiltFromTheLog() throws Exception {
        Random random = new Random(23);
        try (FileEventLog log = FileEventLog.open(spilling())) {
            appendRandom(log, random, 1500, 30);
        }
        Path segment =
                dir.resolve("segments").resolve(files(dir.resolve("segments")).getFirst());
        byte[] older = Files.readAllBytes(segment);
        List<ProposedEvent> olderAppended = new ArrayList<>(appended);
        Map<String, List<Long>> olderModel = new HashMap<>();
        model.forEach((k, v) -> olderModel.put(k, new ArrayList<>(v)));
        try (FileEventLog log = FileEventLog.open(spilling())) {
            appendRandom(log, random, 1500, 30);
        }
        Files.write(segment, older);
        appended.clear();
        appended.addAll(olderAppended);
        model.clear();
        model.putAll(olderModel);
        try (FileEventLog log = FileEventLog.open(spilling())) {
            assertThat(log.head()).isEqualTo(Position.of(appended.size() - 1));
            assertThat(log.indexCheckpointPosition()).isZero(); // cleared and rebuilt
            checkAgainstModel(log, random);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    /** A store whose runs hold 64-bit hashes (earlier builds) keeps them on open, no rebuild; versions and duplicates exact. */
    @Test
    void runsOf64BitHashes_areKeptOnOpen_andVersionsAndDuplicatesStayExact() throws Exception {
        Random random = new Random(78);
        Indexes.keyBits = 64;
        try (FileEventLog log = FileEventLog.open(options())) {
            appendRandom(log, random, 1500, 30);
            awaitMergedRun();
        }
        assertThat(runKeyBits("ids-")).isNotEmpty().containsOnly(64);
        assertThat(runKeyBits("aggregates-")).isNotEmpty().containsOnly(64);
        Indexes.keyBits = 40;
        try (FileEventLog log = FileEventLog.open(options())) {
            // rebuilt runs (the behaviour before) would be 40-bit runs: every run, old and new, stays 64-bit
            checkAgainstModel(log, random);
            appendRandom(log, random, 300, 30);
            awaitMergedRun();
        }
        assertThat(runKeyBits("ids-")).isNotEmpty().containsOnly(64);
        assertThat(runKeyBits("aggregates-")).isNotEmpty().containsOnly(64);
        try (FileEventLog log = FileEventLog.open(options())) {
            checkAgainstModel(log, random);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    /** Event ids whose hashes differ only below the 40 bits kept: every lookup meets false hits, none wrong. */
    @Test
    void idHashesEqualInTheirHigh40Bits_leaveDuplicatesExact() throws Exception {
        Indexes.idHash = (msb, lsb) -> msb & 0xFF_FFFFL; // distinct 64-bit hashes, one 40-bit key
        Random random = new Random(90);
        try (FileEventLog log = FileEventLog.open(options())) {
            appendRandom(log, random, 1000, 20);
            awaitMergedRun();
            checkAgainstModel(log, random);
        }
    }

    /** The key width of each run file (its header, ADR 0008: int format at 8, format 3's int key bits at 64). */
    private List<Integer> runKeyBits(String prefix) throws IOException {
        List<Integer> bits = new ArrayList<>();
        for (String f : files(dir.resolve("index"))) {
            if (f.startsWith(prefix) && f.endsWith(".run")) {
                try (RandomAccessFile run =
                        new RandomAccessFile(dir.resolve("index").resolve(f).toFile(), "r")) {
                    run.seek(8);
                    int format = run.readInt();
                    run.seek(64);
                    bits.add(format == 3 ? run.readInt() : 64);
                }
            }
        }
        return bits;
    }

    @Test
    void missingOrDamagedIndexFiles_areRebuiltFromTheLog() throws Exception {
        Random random = new Random(56);
        try (FileEventLog log = FileEventLog.open(options())) {
            appendRandom(log, random, 800, 1);
        }
        Path index = dir.resolve("index");
        List<String> idx = files(index).stream().filter(f -> f.endsWith(".idx")).toList();
        assertThat(idx).hasSizeGreaterThan(2);
        Files.delete(index.resolve(idx.get(1)));
        flip(index.resolve(idx.get(0)), 40); // an offset, past the header: found on first use
        String newestIds = files(index).stream()
                .filter(f -> f.startsWith("ids-0-"))
                .reduce((a, b) -> b)
                .orElseThrow();
        Files.delete(index.resolve(newestIds)); // as if killed between the two runs of one flush
        try (FileEventLog log = FileEventLog.open(options())) {
            checkAgainstModel(log, random);
            assertThat(log.verify(10).problems()).isEmpty();
        }
        assertThat(files(index)).contains(idx.get(1), newestIds);
        String oldest = files(index).stream()
                .filter(f -> f.matches("aggregates-\\d+-1-\\d+\\.run"))
                .findFirst()
                .orElseThrow();
        flip(index.resolve(oldest), 4096 + 8); // the bloom page (format 2 puts it first), which every lookup reads
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThatThrownBy(() -> log.readAggregate("agg-0", 1, 10, ReadDirection.FORWARD))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("index file")
                    .hasMessageContaining("aggregates-");
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.indexCheckpointPosition()).isZero(); // the damaged runs were set aside and rebuilt
            checkAgainstModel(log, random);
        }
    }

    @Test
    void upgrade_ofAStoreWithAWholeIndexCheckpoint_buildsTheIndexesOnce() throws Exception {
        // written by the pre-0008 build with src/test/resources/pre-0008-store.java.txt
        unzip("/pre-0008-store.zip", dir);
        assertThat(dir.resolve("segments").resolve("index.checkpoint")).exists();
        Random r = new Random(7);
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.indexCheckpointPosition()).isZero();
            assertThat(log.head()).isEqualTo(Position.of(1000));
            assertThat(log.aggregateVersion("u-0")).isEqualTo(334);
            assertThat(log.aggregateVersion("u-2")).isEqualTo(333);
            assertThat(log.readAggregate("u-1", 100, 1, ReadDirection.FORWARD)
                            .getFirst()
                            .position())
                    .isEqualTo(Position.of(3 * 99 + 2));
            for (int i = 0; i < 1000; i++) {
                UUID id = new UUID(r.nextLong(), r.nextLong());
                if (i % 97 == 0) {
                    ProposedEvent e = new ProposedEvent(
                            id, "u-" + (i % 3), "T", 1, "{\"i\":" + i + "}", "{\"timestamp\":\"" + T + "\"}", T, false);
                    assertThat(log.append(e.aggregateId(), ExpectedVersion.ANY, List.of(e))
                                    .position())
                            .isEqualTo(Position.of(i + 1));
                }
            }
            assertThat(log.verify(10).problems()).isEmpty();
        }
        assertThat(dir.resolve("segments").resolve("index.checkpoint")).doesNotExist();
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.indexCheckpointPosition()).isPositive();
            assertThat(log.aggregateVersion("u-1")).isEqualTo(333);
        }
    }

    private static void unzip(String resource, Path to) throws IOException {
        try (InputStream in = OnDiskIndexTest.class.getResourceAsStream(resource);
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path f = to.resolve(e.getName());
                Files.createDirectories(f.getParent());
                Files.copy(zip, f);
            }
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5A);
        }
    }
}
