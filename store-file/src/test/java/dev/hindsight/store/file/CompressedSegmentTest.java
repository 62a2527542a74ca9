package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.appendN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compressed tier: sealed segments compressed in the background, read transparently, recovered, upgraded. */
class CompressedSegmentTest {
    @TempDir
    Path dir;

    private FileLogOptions compressed() {
        return FileLogOptions.defaults(dir)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(64 * 1024)
                .withBlockCacheBytes(256 * 1024);
    }

    private static List<RecordedEvent> all(FileEventLog log) {
        return FileLogTestSupport.readWholeLog(log);
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted(Comparator.naturalOrder())
                    .toList();
        }
    }

    private List<RecordedEvent> fill(FileLogOptions options, int events) throws InterruptedException {
        try (FileEventLog log = FileEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            for (int a = 0; a < 10; a++) {
                appendN(store, "agg-" + a, events / 10);
            }
            log.awaitCompaction();
            return all(log);
        }
    }

    @Test
    void sealedSegments_areCompressedAndReadBackIdentically() throws Exception {
        List<RecordedEvent> written = fill(compressed(), 3000);

        assertThat(files(".zlog")).hasSizeGreaterThan(3);
        assertThat(files(".log")).hasSize(1); // only the active segment stays plain
        try (FileEventLog log = FileEventLog.open(compressed())) {
            assertThat(all(log)).isEqualTo(written);
            var agg = log.readAggregate("agg-3", 1, 1000, ReadDirection.FORWARD);
            assertThat(agg).hasSize(300);
            assertThat(agg).extracting(RecordedEvent::version).startsWith(1L, 2L, 3L);
            var tiers = log.tiers();
            assertThat(tiers.compressedPlainBytes()).isGreaterThan(3 * tiers.compressedBytes());
            assertThat(tiers.hotEvents()).isEqualTo(3000);
            assertThat(log.storage().bytes()).isLessThan(tiers.compressedPlainBytes());
            assertThat(log.blockCacheStats().requestCount()).isPositive();
        }
    }

    @Test
    void lostIndexes_areRebuiltFromCompressedSegments() throws Exception {
        List<RecordedEvent> written = fill(compressed(), 2000);
        deleteRecursively(dir.resolve("index"));

        try (FileEventLog log = FileEventLog.open(compressed())) {
            assertThat(log.indexCheckpointPosition()).isZero();
            assertThat(all(log)).isEqualTo(written);
            assertThat(log.readAggregate("agg-9", 1, 1000, ReadDirection.FORWARD))
                    .hasSize(200);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    @Test
    void plainStore_isCompactedAfterOpen_andKeepsServing() throws Exception {
        List<RecordedEvent> written = fill(compressed().withCompressionLevel(0), 2000);
        assertThat(files(".zlog")).isEmpty();
        int plain = files(".log").size();

        try (FileEventLog log = FileEventLog.open(compressed())) {
            log.awaitCompaction();
            assertThat(files(".zlog")).hasSize(plain - 1);
            assertThat(all(log)).isEqualTo(written);
        }
    }

    @Test
    void leftoversOfAnInterruptedCompaction_areCleanedUp() throws Exception {
        List<RecordedEvent> written = fill(compressed(), 2000);
        Path z = files(".zlog").getFirst();
        // a crash after the rename but before the plain file was deleted, and a half-written next one
        Files.write(
                dir.resolve("segments").resolve(z.getFileName().toString().replace(".zlog", ".log")), new byte[100]);
        Files.write(dir.resolve("segments").resolve("00000000000099999999.zlog.tmp"), new byte[10]);

        try (FileEventLog log = FileEventLog.open(compressed())) {
            assertThat(all(log)).isEqualTo(written);
        }
        assertThat(files(".tmp")).isEmpty();
        assertThat(files(".log")).hasSize(1);
    }

    @Test
    void damagedBlock_failsTheReadWithItsLocation_neverWrongData() throws Exception {
        fill(compressed(), 2000);
        Path z = files(".zlog").getFirst();
        flip(z, 64 + 40); // inside the first compressed block

        try (FileEventLog log = FileEventLog.open(compressed())) {
            assertThatThrownBy(() -> log.readAll(Position.START, 10, EventFilter.ALL))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(z.getFileName().toString())
                    .hasMessageContaining("block 0");
            // events of other segments are still served
            assertThat(log.readAll(Position.of(1500), 10, EventFilter.ALL).events())
                    .hasSize(10);
        }
    }

    static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, at);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
