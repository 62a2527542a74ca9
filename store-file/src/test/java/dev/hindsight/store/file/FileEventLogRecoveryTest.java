package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.appendN;
import static dev.hindsight.store.file.FileLogTestSupport.segments;
import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreLockedException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEventLogRecoveryTest {
    @TempDir
    Path dir;

    private List<RecordedEvent> all(EventStore store) {
        List<RecordedEvent> out = new ArrayList<>();
        Position p = Position.START;
        while (true) {
            GlobalSlice s = store.readAll(p, 1000, EventFilter.ALL);
            out.addAll(s.events());
            if (s.events().isEmpty()) {
                return out;
            }
            p = s.next();
        }
    }

    @Test
    void reopen_afterClose_keepsEveryEventAndIndex() throws IOException {
        List<RecordedEvent> before;
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 1000);
            appendN(store, "b-1", 1000);
            before = all(store);
        }
        assertThat(segments(dir).size()).isGreaterThan(1);
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            assertThat(all(store)).isEqualTo(before);
            assertThat(store.read("a-1").version()).isEqualTo(1000);
            assertThat(store.read("b-1").events()).hasSize(1000);
            assertThat(store.append("a-1", ExpectedVersion.exact(1000), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(1001);
        }
    }

    @Test
    void reopen_withOnDiskIndexes_scansOnlyTheTail_andRebuildsWhenAManifestIsDamaged() throws IOException {
        List<RecordedEvent> before;
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 1500);
            appendN(store, "b-1", 10);
            before = all(store);
        }
        Path manifest = dir.resolve("index").resolve("aggregates.manifest");
        assertThat(manifest).exists();
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.indexCheckpointPosition()).isPositive().isLessThan(1510);
            EventStore store = EventStore.of(log);
            assertThat(all(store)).isEqualTo(before);
            assertThat(store.read("b-1").version()).isEqualTo(10);
            appendN(store, "b-1", 5);
        }
        flip(manifest, 20);
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.indexCheckpointPosition()).isZero();
            EventStore store = EventStore.of(log);
            assertThat(store.read("a-1").version()).isEqualTo(1500);
            assertThat(store.read("b-1").version()).isEqualTo(15);
            assertThat(store.head()).isEqualTo(Position.of(1515));
            assertThat(store.append("b-1", ExpectedVersion.exact(15), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(16);
        }
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.indexCheckpointPosition()).isPositive(); // the rebuilt runs were written
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    @Test
    void open_twice_failsFastWithLockError() {
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThatThrownBy(() -> FileEventLog.open(small(dir)))
                    .isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining("in use");
            assertThat(log.head()).isEqualTo(Position.START);
        }
    }

    @Test
    void recover_truncatedLastRecord_dropsOnlyTheTornTail() throws IOException {
        long endOf99;
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            EventStore store = EventStore.of(log);
            appendN(store, "a-1", 99);
            endOf99 = endOfData(dir);
            appendN(store, "a-1", 1);
        }
        long end = endOfData(dir);
        try (RandomAccessFile f = new RandomAccessFile(segments(dir).getLast().toFile(), "rw")) {
            f.seek(end - 10);
            f.write(new byte[10]); // tear the last record: its last 10 bytes never reached the disk
        }
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.recoveredTruncatedBytes()).isPositive();
            assertThat(log.head()).isEqualTo(Position.of(99));
            EventStore store = EventStore.of(log);
            assertThat(store.append("a-1", ExpectedVersion.exact(99), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(100);
        }
        assertThat(endOfData(dir)).isGreaterThan(endOf99);
    }

    @Test
    void recover_flippedByteInLastRecord_truncatesToLastValid() throws IOException {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 50);
        }
        long end = endOfData(dir);
        flip(segments(dir).getLast(), end - 20);
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            assertThat(store.head()).isEqualTo(Position.of(49));
            assertThat(all(store)).hasSize(49);
        }
    }

    @Test
    void recover_corruptionInTheMiddle_failsNamingFileAndOffset() throws IOException {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 100);
        }
        Path seg = segments(dir).getLast();
        flip(seg, 64 + 40 * 130); // somewhere around event 40; events 41..100 follow as acknowledged writes
        // after a clean close the active segment's index checkpoint is loaded instead of a scan: open succeeds, but
        // the damaged record is never served
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            assertThatThrownBy(() -> store.read("a-1"))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(seg.getFileName().toString());
        }
        // a crash leaves no checkpoint (this close wrote one again): the scan finds the damage
        java.nio.file.Files.delete(dir.resolve("index").resolve("active.checkpoint"));
        assertThatThrownBy(() -> FileEventLog.open(small(dir)))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining(seg.getFileName().toString())
                .hasMessageContaining("offset");
    }

    @Test
    void recover_corruptionInSealedSegment_isCaughtOnReadAndByAFullScan() throws IOException {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 1500);
        }
        List<Path> segs = segments(dir);
        assertThat(segs.size()).isGreaterThan(1);
        flip(segs.getFirst(), 64 + 1000);
        // the on-disk indexes cover sealed segments: open succeeds, but the damaged record is never served
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            assertThatThrownBy(() -> store.read("a-1"))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(segs.getFirst().getFileName().toString());
        }
        deleteIndexes(dir);
        assertThatThrownBy(() -> FileEventLog.open(small(dir)))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining(segs.getFirst().getFileName().toString())
                .hasMessageContaining("offset");
    }

    @Test
    void read_corruptedAfterOpen_isNeverServed() throws IOException {
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            EventStore store = EventStore.of(log);
            appendN(store, "a-1", 10);
            assertThat(log.verify(10).ok()).isTrue();
            assertThat(log.verify(10).events()).isEqualTo(10);
            flip(segments(dir).getLast(), 64 + 30);
            assertThatThrownBy(() -> store.read("a-1"))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("offset 64");
            List<String> problems = log.verify(10).problems();
            assertThat(problems.getFirst()).contains("position 1", "CRC", "offset 64");
            assertThat(problems).hasSize(2).last().asString().contains("jumps from version 0 to 2");
        }
    }

    @Test
    void recover_halfMadeSegmentAfterACrashDuringRoll_opensWithoutIt() throws IOException {
        FileLogOptions options = small(dir).withSegmentBytes(64 * 1024);
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            appendN(store, "a-1", 10);
        }
        // kill -9 (or power loss) between creating the next segment and making its header durable
        Path next = dir.resolve("segments").resolve(String.format("%020d.log", 11));
        java.nio.file.Files.createFile(next);
        try (FileEventLog log = FileEventLog.open(options)) {
            assertThat(log.head()).isEqualTo(Position.of(10));
        }
        java.nio.file.Files.write(next, new byte[64 * 1024]);
        try (FileEventLog log = FileEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            assertThat(log.head()).isEqualTo(Position.of(10));
            appendN(store, "a-1", 600); // rolls into a new segment
            assertThat(segments(dir)).hasSize(2).doesNotContain(next);
            assertThat(store.read("a-1").version()).isEqualTo(610);
        }
        try (FileEventLog log = FileEventLog.open(options)) {
            assertThat(log.aggregateVersion("a-1")).isEqualTo(610);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    @Test
    void recover_halfMadeSegmentInTheMiddle_isStillCorruption() throws IOException {
        FileLogOptions options = small(dir).withSegmentBytes(64 * 1024);
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            appendN(store, "a-1", 1000);
        }
        List<Path> segs = segments(dir);
        assertThat(segs.size()).isGreaterThan(2);
        java.nio.file.Files.write(segs.get(1), new byte[64 * 1024]);
        assertThatThrownBy(() -> FileEventLog.open(options))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining(segs.get(1).getFileName().toString());
    }

    @Test
    void reopen_staleIndexOfASegmentThatGrewAfterIt_isRebuilt() throws IOException {
        // Indexes that belong to another state of the log (here: another log whose first segment ended one event
        // earlier) must be detected by their coverage not ending at a segment boundary, and rebuilt.
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (FileEventLog log = FileEventLog.open(small(a).withSegmentBytes(64 * 1024))) {
            for (int i = 0; i < 66; i++) {
                log.append("agg", ExpectedVersion.ANY, List.of(event(875)));
            }
        }
        try (FileEventLog log = FileEventLog.open(small(b).withSegmentBytes(64 * 1024))) {
            for (int i = 0; i < 65; i++) {
                log.append("agg", ExpectedVersion.ANY, List.of(event(875)));
            }
            log.append("agg", ExpectedVersion.ANY, List.of(event(2))); // still fits in the first segment
            log.append("agg", ExpectedVersion.ANY, List.of(event(875)));
        }
        assertThat(segments(b)).hasSize(2);
        assertThat(segments(b).getLast().getFileName().toString()).isEqualTo(String.format("%020d.log", 67));
        deleteIndexes(b);
        java.nio.file.Files.createDirectories(b.resolve("index"));
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(a.resolve("index"))) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, b.resolve("index").resolve(f.getFileName()));
            }
        }
        try (FileEventLog log = FileEventLog.open(small(b).withSegmentBytes(64 * 1024))) {
            assertThat(log.head()).isEqualTo(Position.of(67));
            assertThat(log.aggregateVersion("agg")).isEqualTo(67);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    /** An event whose frame size depends only on {@code dataLength}. */
    private static dev.hindsight.core.spi.ProposedEvent event(int dataLength) {
        java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
        String data = dataLength <= 2 ? "{}" : "{\"p\":\"" + "x".repeat(dataLength - 8) + "\"}";
        return new dev.hindsight.core.spi.ProposedEvent(
                java.util.UUID.randomUUID(), "agg", "T", 1, data, "{\"timestamp\":\"" + t + "\"}", t, false);
    }

    static void deleteIndexes(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("index"))) {
            for (Path f : files.toList()) {
                java.nio.file.Files.delete(f);
            }
        }
    }

    static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5A);
        }
    }

    /** Offset just past the last non-zero byte of the last segment. */
    static long endOfData(Path dir) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segments(dir).getLast().toFile(), "r")) {
            byte[] all = new byte[(int) f.length()];
            f.readFully(all);
            int i = all.length;
            while (i > 0 && all[i - 1] == 0) {
                i--;
            }
            return i;
        }
    }
}
