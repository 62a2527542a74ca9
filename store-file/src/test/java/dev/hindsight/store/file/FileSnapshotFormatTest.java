package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.store.file.internal.SnapshotRecords;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Formats 3 and 2 of the snapshot store: compression, on-disk index, compaction, upgrade from formats 1 and 2, compact
 * record heads, damage.
 */
class FileSnapshotFormatTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.123456789Z");
    private static final FileSnapshotOptions SMALL = FileSnapshotOptions.defaults()
            .withMemtableEntries(64)
            .withTrainAfter(100)
            .withCompactMinBytes(Long.MAX_VALUE);

    @TempDir
    Path dir;

    /** An order-shaped state (seeded, so that a dictionary has something to learn). */
    static Snapshot order(int id, long version) {
        Random r = new Random(id * 31L + version);
        StringBuilder items = new StringBuilder();
        for (int i = 0; i <= r.nextInt(4); i++) {
            items.append(i == 0 ? "" : ",")
                    .append("{\"sku\":\"sku-%05d\",\"quantity\":%d,\"unit_price\":%d}"
                            .formatted(r.nextInt(20000), 1 + r.nextInt(3), 100 * r.nextInt(200)));
        }
        String state = ("{\"status\":\"paid\",\"order_id\":\"ord_%08d\",\"user_id\":\"user_%06d\",\"currency\":\"EUR\","
                        + "\"items\":[%s],\"version\":%d,\"note\":\"caf\u00e9\"}")
                .formatted(id, r.nextInt(200000), items, version);
        return new Snapshot("order-" + id, version, T0.plusSeconds(id * 100L + version), "OrderState@1", state);
    }

    private static long rawBytes(List<Snapshot> saved) {
        return saved.stream().mapToLong(s -> s.state().length() + 60).sum();
    }

    private Path generationFile(long generation) {
        return dir.resolve("snapshots-%010d.log".formatted(generation));
    }

    @Test
    void roundTrip_manyAggregatesAcrossIndexRunsAndDictionary_readBackExactly() throws IOException {
        List<Snapshot> saved = new ArrayList<>();
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int id = 0; id < 1000; id++) {
                for (long v : new long[] {3, 7, 10}) {
                    Snapshot s = order(id, v);
                    store.save(s);
                    saved.add(s);
                }
            }
            for (int id = 0; id < 1000; id += 37) {
                assertThat(store.latest("order-" + id, Long.MAX_VALUE, null)).isEqualTo(order(id, 10));
                assertThat(store.latest("order-" + id, 9, null))
                        .as("superseded, not kept")
                        .isNull();
            }
            assertThat(Files.size(generationFile(1))).as("compressed").isLessThan(rawBytes(saved) / 2);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int id = 0; id < 1000; id++) {
                assertThat(store.snapshots("order-" + id)).containsExactly(order(id, 10));
            }
            assertThat(store.snapshots("order-1000")).isEmpty();
        }
    }

    @Test
    void save_olderThanWhatRetentionKeeps_isNotWritten() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            store.save(order(1, 10));
            long size = Files.size(generationFile(1));
            store.save(order(1, 7)); // a late background save of an older state
            assertThat(Files.size(generationFile(1))).isEqualTo(size);
            assertThat(store.snapshots("order-1")).containsExactly(order(1, 10));
        }
    }

    @Test
    void compaction_mostOfTheFileDead_rewritesTheLiveSnapshotsInTheBackground() throws Exception {
        FileSnapshotOptions compacting = SMALL.withCompactMinBytes(64 * 1024);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            for (long v = 1; v <= 40; v++) {
                for (int id = 0; id < 200; id++) {
                    store.save(order(id, v));
                }
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (Files.exists(generationFile(1)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(generationFile(1)).doesNotExist();
            for (int id = 0; id < 200; id++) {
                assertThat(store.snapshots("order-" + id)).containsExactly(order(id, 40));
            }
            assertThat(store.bytesOnDisk()).isLessThan(3 * 200 * 400L);
            store.save(order(7, 41));
            assertThat(store.latest("order-7", Long.MAX_VALUE, null)).isEqualTo(order(7, 41));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            assertThat(store.latest("order-7", Long.MAX_VALUE, null)).isEqualTo(order(7, 41));
            assertThat(store.latest("order-8", Long.MAX_VALUE, null)).isEqualTo(order(8, 40));
        }
    }

    /** Compaction starts once dead bytes reach a sixteenth of the live ones (a seventeenth of the file), not before. */
    @Test
    void compaction_startsWhenASeventeenthOfTheFileIsDead() throws Exception {
        // no dictionary: its training (in the background) would change the file's live bytes at a random moment
        FileSnapshotOptions compacting = SMALL.withCompactMinBytes(16 * 1024).withTrainAfter(100_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            for (int id = 0; id < 200; id++) {
                store.save(order(id, 1));
            }
            for (int id = 0; id < 6; id++) { // 3% of the live bytes dead: no compaction
                store.save(order(id, 2));
            }
            Thread.sleep(300);
            assertThat(generationFile(1)).exists();
            for (int id = 6; id < 18; id++) { // 9%: more than the sixteenth, less than the old eighth
                store.save(order(id, 2));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (Files.exists(generationFile(1)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(generationFile(1)).doesNotExist();
            for (int id = 0; id < 200; id++) {
                assertThat(store.latest("order-" + id, Long.MAX_VALUE, null)).isEqualTo(order(id, id < 18 ? 2 : 1));
            }
        }
    }

    @Test
    void reads_duringCompactions_alwaysFindASnapshot() throws Exception {
        FileSnapshotOptions compacting = SMALL.withCompactMinBytes(32 * 1024);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            for (int id = 0; id < 50; id++) {
                store.save(order(id, 1));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                Random r = new Random(7);
                while (!stop.get()) {
                    try {
                        int id = r.nextInt(50);
                        Snapshot s = store.latest("order-" + id, Long.MAX_VALUE, null);
                        assertThat(s).isNotNull();
                        assertThat(s)
                                .isEqualTo(order(id, Objects.requireNonNull(s).version()));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            });
            for (long v = 2; v <= 300 && failure.get() == null; v++) {
                for (int id = 0; id < 50; id++) {
                    store.save(order(id, v));
                }
            }
            stop.set(true);
            reader.join();
            assertThat(failure.get()).isNull();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.filter(p -> p.toString().endsWith(".log"))
                                .map(p -> p.getFileName().toString()))
                        .hasSize(1)
                        .noneMatch(f -> f.equals("snapshots-0000000001.log"));
            }
        }
    }

    /** The snapshots the fixture {@code format2-snapshots/} holds (and how the build before format 3 wrote them). */
    private static Snapshot format2Fixture(int i, long version) {
        String id = i % 2 == 0 ? "ord_" + new UUID(0x3ed6098e672a4981L, i) : "order-" + i;
        return new Snapshot(
                id,
                version,
                T0.plusSeconds(i * 100L + version),
                "OrderState@1",
                "{\"order_id\":\"" + id + "\",\"version\":" + version + ",\"note\":\"caf\u00e9\",\"n\":" + (i * 7 % 13)
                        + "}");
    }

    @Test
    void open_formatTwoGenerationOfThePreviousBuild_servesAppendsAndCompactsIntoFormat3() throws Exception {
        // written by the build before format 3 (d8db573d): FileSnapshotStore with SMALL's memtable and training
        // sizes, 300 aggregates (even: "ord_<uuid>", odd: "order-<i>") at versions 4 then 9; its index runs hold
        // 64-bit hashes, which this build drops and rebuilds by scanning the file
        Path fixture = Path.of(Objects.requireNonNull(getClass().getResource("/format2-snapshots"))
                .toURI());
        try (Stream<Path> files = Files.walk(fixture)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve(fixture.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        assertThat(headerFormat(generationFile(1))).isEqualTo(2);
        FileSnapshotOptions compacting = SMALL.withCompactMinBytes(16 * 1024);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            for (int i = 0; i < 300; i++) {
                Snapshot s = format2Fixture(i, 9);
                assertThat(store.snapshots(s.aggregateId())).containsExactly(s);
            }
            for (int i = 0; i < 300; i++) {
                store.save(format2Fixture(i, 14));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (Files.exists(generationFile(1)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(generationFile(1)).doesNotExist();
            store.save(format2Fixture(2, 20));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, compacting)) {
            try (Stream<Path> files = Files.list(dir)) {
                Path now = files.filter(f -> f.toString().endsWith(".log"))
                        .findFirst()
                        .orElseThrow();
                assertThat(headerFormat(now)).isEqualTo(3);
            }
            for (int i = 0; i < 300; i++) {
                Snapshot s = format2Fixture(i, i == 2 ? 20 : 14);
                assertThat(store.latest(s.aggregateId(), Long.MAX_VALUE, null)).isEqualTo(s);
            }
        }
    }

    private static int headerFormat(Path generation) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(generation.toFile(), "r")) {
            f.seek(8);
            return f.readInt();
        }
    }

    /** A UUID-suffixed id's 36 characters take 16 bytes in a record head; other ids are stored as they are. */
    @Test
    void recordHeads_storeAUuidSuffixIn16Bytes_andEveryIdExactly() throws IOException {
        String[] ids = {
            "ord_3ed6098e-672a-4981-0000-0000000005db", // the seed's order ids
            "3ed6098e-672a-4981-0000-0000000005db", // a bare UUID
            "caf\u00e9-3ed6098e-672a-4981-8000-00000000ffff", // a non-ASCII prefix
            "ord_3ED6098E-672A-4981-0000-0000000005DB", // upper case: not canonical, kept as text
            "ord_3ed6098e-672a-4981-0000-0000000005d", // one digit short
            "ord_3ed6098e_672a-4981-0000-0000000005db", // no dash where one belongs
            "x"
        };
        Instant[] times = {T0, Instant.parse("1960-05-01T10:00:00.5Z"), Instant.EPOCH, T0.plusNanos(1)};
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int i = 0; i < ids.length; i++) {
                store.save(new Snapshot(ids[i], 5, times[i % times.length], "S@1", "{\"i\":" + i + "}"));
            }
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int i = 0; i < ids.length; i++) {
                assertThat(store.latest(ids[i], Long.MAX_VALUE, null))
                        .isEqualTo(new Snapshot(ids[i], 5, times[i % times.length], "S@1", "{\"i\":" + i + "}"));
            }
        }
        byte[] body = {1, 2, 3};
        byte[] compact = SnapshotRecords.snapshotRecord(ids[0], 5, T0, 0, 3, body);
        byte[] plain = SnapshotRecords.snapshotRecord(ids[3], 5, T0, 0, 3, body); // same length, not a UUID
        assertThat(compact.length).isEqualTo(plain.length - 20);
        SnapshotRecords.Rec r = SnapshotRecords.decode(compact, 0, compact.length - SnapshotRecords.FRAME, 100);
        assertThat(r).isNotNull();
        assertThat(Objects.requireNonNull(r).aggregateId()).isEqualTo(ids[0]);
        assertThat(r.timestamp()).isEqualTo(T0);
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void open_formatOneFileOfThePreviousBuild_isConvertedAndServes() throws IOException {
        // written by the previous build's FileSnapshotStore (retention newest 5): 20 orders × versions 10..80,
        // then order-3 version 80 saved again with schema OrderState@2
        try (InputStream in = getClass().getResourceAsStream("/pre-0011-snapshots.log")) {
            Files.copy(Objects.requireNonNull(in), dir.resolve("snapshots.log"));
        }
        SnapshotRetention five = new SnapshotRetention(5, 0);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, five)) {
            assertThat(dir.resolve("snapshots.log")).doesNotExist();
            assertThat(store.snapshots("order-0"))
                    .extracting(Snapshot::version)
                    .containsExactly(80L, 70L, 60L, 50L, 40L);
            Snapshot s = store.latest("order-12", 55, null);
            assertThat(s).isNotNull();
            assertThat(Objects.requireNonNull(s).state())
                    .isEqualTo("{\"id\":\"order-12\",\"version\":50,\"status\":\"PAID\",\"note\":\"caf\u00e9\"}");
            assertThat(s.timestamp()).isEqualTo(T0.plusSeconds(12 * 1000 + 50));
            assertThat(s.stateSchema()).isEqualTo("OrderState@1");
            assertThat(store.latest("order-3", Long.MAX_VALUE, null))
                    .isEqualTo(new Snapshot("order-3", 80, T0, "OrderState@2", "{\"replaced\":true}"));
            store.save(new Snapshot("order-0", 90, T0, "OrderState@1", "{}"));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, five)) {
            assertThat(store.snapshots("order-0"))
                    .extracting(Snapshot::version)
                    .containsExactly(90L, 80L, 70L, 60L, 50L);
            assertThat(store.snapshots("order-19")).hasSize(5);
        }
    }

    @Test
    void open_indexDeleted_rebuildsItFromTheFile() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int id = 0; id < 300; id++) {
                store.save(order(id, 10));
            }
        }
        Path index = dir.resolve("snapshots-0000000001.index");
        try (Stream<Path> files = Files.list(index)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir.resolve("snapshots-0000000001.state"));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (int id = 0; id < 300; id++) {
                assertThat(store.latest("order-" + id, Long.MAX_VALUE, null)).isEqualTo(order(id, 10));
            }
        }
    }

    @Test
    void open_damagedHeader_dropsTheSnapshotsAndStartsAnewGeneration() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            store.save(order(1, 10));
        }
        FileEventLogRecoveryTest.flip(generationFile(1), 3);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            assertThat(store.snapshots("order-1")).isEmpty();
            store.save(order(1, 20));
            assertThat(store.snapshots("order-1")).containsExactly(order(1, 20));
        }
        assertThat(generationFile(1)).doesNotExist();
        assertThat(generationFile(2)).exists();
    }

    @Test
    void read_damagedCompressedBody_skipsThatSnapshotOnly() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, new SnapshotRetention(3, 0), SMALL)) {
            store.save(order(1, 1));
            long second = Files.size(generationFile(1));
            store.save(order(1, 2));
            long third = Files.size(generationFile(1));
            store.save(order(1, 3));
            // the last byte of the second record: inside its zstd frame
            try (RandomAccessFile f = new RandomAccessFile(generationFile(1).toFile(), "rw")) {
                f.seek(third - 1);
                int b = f.read();
                f.seek(third - 1);
                f.write(b ^ 0x5A);
            }
            assertThat(second).isLessThan(third);
            assertThat(store.snapshots("order-1")).containsExactly(order(1, 3), order(1, 1));
            assertThat(store.latest("order-1", 2, null)).isEqualTo(order(1, 1));
        }
    }

    @Test
    void latest_longAggregateWithAnchorsInIndexRuns_matchesTheRetentionModel() {
        List<Long> saved = new ArrayList<>();
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            for (long v = 10; v <= 5000; v += 10) {
                store.save(order(1, v));
                saved.add(0, v);
                store.save(order(2, v)); // another aggregate interleaved, so runs hold both
            }
            List<Long> kept = SnapshotRetention.DEFAULT.retain(saved, x -> x);
            assertThat(store.snapshots("order-1")).extracting(Snapshot::version).containsExactlyElementsOf(kept);
            Random r = new Random(3);
            for (int i = 0; i < 300; i++) {
                long target = r.nextLong(5001);
                Long expected =
                        kept.stream().filter(x -> x <= target).findFirst().orElse(null);
                Snapshot s = store.latest("order-1", target, null);
                assertThat(s == null ? null : s.version())
                        .as("target %d", target)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void open_afterACompactionCutOff_deletesItsTemporaryGeneration() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            store.save(order(1, 10));
        }
        Files.writeString(dir.resolve("snapshots-0000000002.log.tmp"), "cut off");
        Files.createDirectories(dir.resolve("snapshots-0000000002.index"));
        Files.writeString(dir.resolve("unrelated.log.tmp"), "not ours");
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, SnapshotRetention.DEFAULT, SMALL)) {
            assertThat(store.snapshots("order-1")).containsExactly(order(1, 10));
        }
        assertThat(dir.resolve("snapshots-0000000002.log.tmp")).doesNotExist();
        assertThat(dir.resolve("snapshots-0000000002.index")).doesNotExist();
        assertThat(dir.resolve("unrelated.log.tmp")).exists();
    }
}
