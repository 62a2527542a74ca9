package dev.hindsight.bench.scenario;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The scheduler's view of the engine's writer thread (Linux {@code /proc/self/task/<tid>/schedstat}): how long it ran
 * on a CPU and how long it sat runnable waiting for one. On a 2-core machine the second number shows the writer being
 * crowded out by appenders. Absent (all zeros) where {@code /proc} is not there. Thread-safe.
 */
final class WriterThreadMeter {
    private static final String WRITER_COMM = "hindsight-write"; // comm is cut to 15 characters

    /** One reading: nanoseconds on CPU and nanoseconds waiting in the run queue, since the thread started. */
    record Reading(long runNanos, long waitNanos) {}

    private final @Nullable Path schedstat;

    private WriterThreadMeter(@Nullable Path schedstat) {
        this.schedstat = schedstat;
    }

    /** Finds the writer thread of the (single) open file log of this process. */
    static WriterThreadMeter find() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return new WriterThreadMeter(null);
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
            for (Path task : dirs) {
                Path comm = task.resolve("comm");
                if (Files.isReadable(comm) && Files.readString(comm).strip().startsWith(WRITER_COMM)) {
                    return new WriterThreadMeter(task.resolve("schedstat"));
                }
            }
        } catch (IOException e) {
            // a thread may end while we list; no reading then
        }
        return new WriterThreadMeter(null);
    }

    Reading read() {
        if (schedstat == null) {
            return new Reading(0, 0);
        }
        try {
            String[] f = Files.readString(schedstat).strip().split("\\s+");
            return new Reading(Long.parseLong(f[0]), Long.parseLong(f[1]));
        } catch (IOException | RuntimeException e) {
            return new Reading(0, 0);
        }
    }
}
