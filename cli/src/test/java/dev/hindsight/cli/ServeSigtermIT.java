package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} stopped by SIGTERM while it is still starting (its store open, its order system not yet): the shutdown
 * hook waits for the start, then stops the server, which closes the store cleanly. A clean close saves the active
 * segment's index ({@code index/active.checkpoint}, which every open reads and deletes); a process that exited with
 * the store open leaves none.
 */
class ServeSigtermIT {
    @TempDir
    Path dir;

    @Test
    void sigtermWhileStarting_closesTheStoreCleanly() throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir)))) {
            store.append("order-1", ExpectedVersion.ANY, EventData.of("Placed", "{}"));
        }
        Path checkpoint = dir.resolve("index").resolve("active.checkpoint");
        assertThat(checkpoint).as("saved by the clean close above").exists();
        Path err = dir.resolve("serve.err");
        // The read model's write lock, held here, stops serve's start-up where its projections start (waiting on
        // SQLite's busy timeout of 30 s), after the log has opened.
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("readmodel.db"))) {
            try (Statement s = holder.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("BEGIN IMMEDIATE");
            }
            List<String> command =
                    RoleProcess.javaCommand("serve", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never");
            Process serve = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile())
                    .start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Files.exists(checkpoint) && serve.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(serve.isAlive()).as("serve is starting").isTrue();
                assertThat(checkpoint).as("read and deleted by serve's open").doesNotExist();

                serve.destroy(); // SIGTERM
                // Let the signal reach the JVM while start-up still waits for the lock: it starts its shutdown hooks
                // then.
                Thread.sleep(500);
                try (Statement s = holder.createStatement()) {
                    s.execute("ROLLBACK");
                }

                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                serve.destroyForcibly();
            }
        }
        assertThat(checkpoint)
                .as("saved by serve's close; its stderr:%n%s", Files.readString(err, StandardCharsets.UTF_8))
                .exists();
    }
}
