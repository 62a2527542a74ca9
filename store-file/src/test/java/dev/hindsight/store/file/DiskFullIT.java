package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("this test mounts a 4 MiB tmpfs and needs root: " + output);
        }
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
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
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(data).withSegmentBytes(segmentBytes))) {
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
            assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.exact(before),
                    EventData.of("Filled", payload))).isInstanceOf(StoreUnavailableException.class);

            Files.delete(filler);
            store.append("order-1", ExpectedVersion.exact(acknowledged), EventData.of("Filled", payload));
            acknowledged++;
        }
        try (EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(data)
                .withSegmentBytes(segmentBytes)))) {
            assertThat(store.read("order-1").version()).isEqualTo(acknowledged);
            assertThat(store.head()).isEqualTo(Position.of(acknowledged));
        }
    }
}
