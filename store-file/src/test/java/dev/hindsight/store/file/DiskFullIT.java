package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk: the log lives on a 4 MiB tmpfs (mounted by the test; needs root, as CI has). Appends fail with a clear
 * error while reads keep working, and the store continues without repair once space returns.
 */
class DiskFullIT {
    @TempDir
    Path tmp;

    private Path mount;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mount = tmp.resolve("small");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("this test mounts a 4 MiB tmpfs and needs root: " + output);
        }
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * One group-commit batch [A1, A2] of the same aggregate, where A2 does not fit in the batch buffer behind A1: A1 is
     * written first and fails on the full disk, then A2 (small enough to fit) is written. A2 must be checked against
     * the log without A1: no version gap, nothing lost on reopen.
     */
    @Test
    void append_afterAFailedWriteInTheSameBatch_isCheckedWithoutTheFailedAppend() throws Exception {
        Path data = mount.resolve("data");
        FileLogOptions options =
                new FileLogOptions(data, FsyncPolicy.ALWAYS, java.time.Duration.ofMillis(100), 1 << 20, 64 * 1024);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        try (FileEventLog log = FileEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            log.onCommit((appends, events, bytes, fsyncNanos) -> {
                if (armed.getAndSet(false)) {
                    held.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            store.append("order-1", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            assertThat(held.await(5, TimeUnit.SECONDS)).isTrue(); // the writer waits in the observer
            // leave 5 free pages: A1 (~62 KiB) cannot be written, A2 (~5 KiB) can
            long free = Files.getFileStore(mount).getUsableSpace();
            Files.write(mount.resolve("filler"), new byte[(int) (free - 5 * 4096)]);
            CompletableFuture<AppendResult> a1 = CompletableFuture.supplyAsync(() -> store.append(
                    "order-1",
                    ExpectedVersion.ANY,
                    EventData.of("Big", "{\"pad\":\"" + "x".repeat(62 * 1024) + "\"}")));
            Thread.sleep(300);
            CompletableFuture<AppendResult> a2 = CompletableFuture.supplyAsync(() -> store.append(
                    "order-1",
                    ExpectedVersion.ANY,
                    EventData.of("Small", "{\"pad\":\"" + "y".repeat(5 * 1024) + "\"}")));
            Thread.sleep(300);
            release.countDown();

            assertThat(a1.handle((r, e) -> e == null ? null : e.getCause()).get(10, TimeUnit.SECONDS))
                    .as("A1 hit the full disk")
                    .isInstanceOf(StoreUnavailableException.class);
            AppendResult second = a2.get(10, TimeUnit.SECONDS);
            assertThat(second.firstVersion()).isEqualTo(2);
            assertThat(store.read("order-1").events())
                    .extracting(e -> e.version())
                    .containsExactly(1L, 2L);
            assertThat(log.verify(10).problems()).isEmpty();
        }
        try (FileEventLog log = FileEventLog.open(options)) {
            assertThat(log.aggregateVersion("order-1")).isEqualTo(2);
            assertThat(EventStore.of(log).read("order-1").events().getLast().eventType())
                    .isEqualTo("Small");
        }
    }

    /** Segments of 1 MiB fail when a new segment is started; of 8 MiB when a record is written into one. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1 << 20, 8 << 20})
    void append_onFullDisk_failsClearly_readsWork_andRecoversWhenSpaceReturns(int segmentBytes) throws IOException {
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[2 << 20]);
        Path data = mount.resolve("data");
        String payload = "{\"pad\":\"" + "x".repeat(4000) + "\"}";
        long acknowledged = 0;
        try (FileEventLog log = FileEventLog.open(plain(data, segmentBytes))) {
            EventStore store = EventStore.of(log);
            StoreUnavailableException failure = null;
            for (int i = 0; i < 2000 && failure == null; i++) {
                try {
                    store.append("order-1", ExpectedVersion.exact(acknowledged), EventData.of("Filled", payload));
                    acknowledged++;
                } catch (StoreUnavailableException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("the disk filled up").isNotNull();
            assertThat(failure.getMessage()).contains("nothing was stored");
            assertThat(acknowledged).isGreaterThan(10);
            assertThat(log.head()).isEqualTo(Position.of(acknowledged));
            assertThat(store.read("order-1").events()).hasSize((int) acknowledged);
            long before = acknowledged;
            assertThatThrownBy(() ->
                            store.append("order-1", ExpectedVersion.exact(before), EventData.of("Filled", payload)))
                    .isInstanceOf(StoreUnavailableException.class);

            Files.delete(filler);
            store.append("order-1", ExpectedVersion.exact(acknowledged), EventData.of("Filled", payload));
            acknowledged++;
        }
        try (EventStore store = EventStore.of(FileEventLog.open(plain(data, segmentBytes)))) {
            assertThat(store.read("order-1").version()).isEqualTo(acknowledged);
            assertThat(store.head()).isEqualTo(Position.of(acknowledged));
        }
    }

    /**
     * Plain segments: background compression of sealed segments frees disk space at moments the test cannot control
     * (a later append could then fit), and the subject here is the writer on a full disk.
     */
    private static FileLogOptions plain(Path data, long segmentBytes) {
        return FileLogOptions.defaults(data).withSegmentBytes(segmentBytes).withCompressionLevel(0);
    }
}
