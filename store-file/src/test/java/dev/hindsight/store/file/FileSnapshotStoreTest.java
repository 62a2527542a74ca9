package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.Snapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {
    @TempDir
    Path dir;

    private static Snapshot snapshot(String aggregate, long version) {
        return new Snapshot(
                aggregate,
                version,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version),
                "S1",
                "{\"v\":" + version + "}");
    }

    private static List<Long> versions(FileSnapshotStore store, String aggregate) {
        return store.snapshots(aggregate).stream().map(Snapshot::version).toList();
    }

    private Path file() {
        return dir.resolve("snapshots-0000000001.log");
    }

    @Test
    void snapshots_afterSaves_areNewestFirstAndRoundTrip() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 10));
            store.save(snapshot("a-1", 30));
            store.save(snapshot("a-1", 20));
            store.save(snapshot("b-1", 7));
            assertThat(versions(store, "a-1")).containsExactly(30L, 20L, 10L);
            assertThat(store.snapshots("b-1")).containsExactly(snapshot("b-1", 7));
            assertThat(store.snapshots("a-1").getFirst()).isEqualTo(snapshot("a-1", 30));
            assertThat(store.snapshots("none")).isEmpty();
        }
    }

    @Test
    void latest_picksNewestAtOrBeforeVersionAndInstant_alsoAfterReopen() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int round = 0; round < 2; round++) {
            try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
                if (round == 0) {
                    for (long v : new long[] {10, 20, 30}) {
                        store.save(snapshot("a-1", v));
                    }
                }
                assertThat(store.latest("a-1", Long.MAX_VALUE, null)).isEqualTo(snapshot("a-1", 30));
                assertThat(store.latest("a-1", 29, null)).isEqualTo(snapshot("a-1", 20));
                assertThat(store.latest("a-1", Long.MAX_VALUE, t0.plusSeconds(25)))
                        .isEqualTo(snapshot("a-1", 20));
                assertThat(store.latest("a-1", 25, t0.plusSeconds(10))).isEqualTo(snapshot("a-1", 10));
                assertThat(store.latest("a-1", 9, null)).isNull();
                assertThat(store.latest("a-1", Long.MAX_VALUE, t0.plusSeconds(9)))
                        .isNull();
                assertThat(store.latest("none", Long.MAX_VALUE, null)).isNull();
            }
        }
    }

    @Test
    void save_sameVersionAgain_replacesIt() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 10));
            Snapshot replaced = new Snapshot("a-1", 10, Instant.EPOCH, "S2", "{\"new\":true}");
            store.save(replaced);
            assertThat(store.snapshots("a-1")).containsExactly(replaced);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(store.snapshots("a-1"))
                    .containsExactly(new Snapshot("a-1", 10, Instant.EPOCH, "S2", "{\"new\":true}"));
        }
    }

    @Test
    void save_moreThanKeep_keepsTheNewestN() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            for (long v = 1; v <= 10; v++) {
                store.save(snapshot("a-1", v));
            }
            assertThat(versions(store, "a-1")).containsExactly(10L, 9L, 8L);
        }
    }

    @Test
    void reopen_afterClose_keepsSnapshots() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            for (long v = 1; v <= 5; v++) {
                store.save(snapshot("a-1", v));
            }
            store.save(snapshot("b-1", 1));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThat(versions(store, "a-1")).containsExactly(5L, 4L, 3L);
            assertThat(store.snapshots("b-1")).containsExactly(snapshot("b-1", 1));
            store.save(snapshot("a-1", 6));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThat(versions(store, "a-1")).containsExactly(6L, 5L, 4L);
        }
    }

    @Test
    void open_twice_failsWithLockError() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThatThrownBy(() -> FileSnapshotStore.open(dir, 3)).isInstanceOf(StoreLockedException.class);
            assertThat(store.snapshots("a-1")).isEmpty();
        }
    }

    @Test
    void reopen_tornTail_truncatesIt() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 1));
            store.save(snapshot("a-1", 2));
        }
        long intact = Files.size(file());
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 3));
        }
        long full = Files.size(file());
        try (RandomAccessFile f = new RandomAccessFile(file().toFile(), "rw")) {
            f.setLength(full - 5); // the last record's end never reached the disk
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(Files.size(file())).isEqualTo(intact);
            assertThat(versions(store, "a-1")).containsExactly(2L, 1L);
            store.save(snapshot("a-1", 4));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(versions(store, "a-1")).containsExactly(4L, 2L, 1L);
        }
    }

    @Test
    void snapshots_recordDamagedAfterOpen_isSkipped() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 1));
            long second = Files.size(file());
            store.save(snapshot("a-1", 2));
            store.save(snapshot("a-1", 3));
            FileEventLogRecoveryTest.flip(file(), second + 20);
            assertThat(versions(store, "a-1")).containsExactly(3L, 1L);
        }
    }

    @Test
    void reopen_recordDamagedInTheMiddle_skipsItAndKeepsTheLaterOnes() throws IOException {
        long second;
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            store.save(snapshot("a-1", 1));
            second = Files.size(file());
            store.save(snapshot("a-1", 2));
            store.save(snapshot("a-1", 3));
            store.save(snapshot("b-1", 1));
        }
        FileEventLogRecoveryTest.flip(file(), second + 20);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(versions(store, "a-1")).containsExactly(3L, 1L);
            assertThat(versions(store, "b-1")).containsExactly(1L);
            store.save(snapshot("a-1", 4));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 5)) {
            assertThat(versions(store, "a-1")).containsExactly(4L, 3L, 1L);
        }
    }

    @Test
    void open_failingAfterTakingTheLock_releasesIt() throws IOException {
        Files.createDirectories(file()); // snapshots.log cannot be opened as a file
        assertThatThrownBy(() -> FileSnapshotStore.open(dir, 3)).isInstanceOf(StoreUnavailableException.class);
        Files.delete(file());
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            store.save(snapshot("a-1", 1));
            assertThat(versions(store, "a-1")).containsExactly(1L);
        }
    }

    @Test
    void snapshots_onAnInterruptedThread_workAndLeaveTheStoreUsable() {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            store.save(snapshot("a-1", 1));
            Thread.currentThread().interrupt();
            List<Snapshot> read;
            try {
                read = store.snapshots("a-1");
                store.save(snapshot("a-1", 2));
            } finally {
                assertThat(Thread.interrupted())
                        .as("the interrupt status is kept")
                        .isTrue();
            }
            assertThat(read).containsExactly(snapshot("a-1", 1));
            assertThat(versions(store, "a-1")).containsExactly(2L, 1L);
            store.save(snapshot("a-1", 3));
            assertThat(versions(store, "a-1")).containsExactly(3L, 2L, 1L);
        }
    }

    @Test
    void snapshots_whileAnotherReaderIsInterrupted_keepWorking() throws Exception {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            store.save(snapshot("a-1", 1));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread victim = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        store.snapshots("a-1");
                    } catch (RuntimeException e) {
                        // the interrupted reader itself may fail; the store must not
                    }
                }
            });
            Thread other = Thread.ofPlatform().start(() -> {
                long v = 2;
                try {
                    while (!stop.get()) {
                        store.save(snapshot("a-1", v++));
                        assertThat(store.snapshots("a-1")).isNotEmpty();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < deadline && failure.get() == null) {
                victim.interrupt();
                Thread.sleep(1);
            }
            stop.set(true);
            victim.interrupt();
            victim.join();
            other.join();
            assertThat(failure.get()).isNull();
            assertThat(store.snapshots("a-1")).hasSize(3);
        }
    }
}
