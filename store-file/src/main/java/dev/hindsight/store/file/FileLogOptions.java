package dev.hindsight.store.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of a {@link FileEventLog}.
 *
 * @param directory the data directory (created if missing); one process at a time may open it
 * @param fsync durability policy; default {@link FsyncPolicy#ALWAYS}
 * @param fsyncInterval for {@link FsyncPolicy#INTERVAL}: the longest time between fsyncs
 * @param segmentBytes size at which the active segment is rolled; default 256 MiB
 * @param maxBatchBytes most bytes one group-commit batch writes; default 8 MiB
 */
public record FileLogOptions(
        Path directory, FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes, int maxBatchBytes) {

    public FileLogOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(fsync, "fsync");
        Objects.requireNonNull(fsyncInterval, "fsyncInterval");
        if (segmentBytes < 64 * 1024) {
            throw new IllegalArgumentException("segmentBytes must be >= 64 KiB");
        }
        if (maxBatchBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxBatchBytes must be >= 64 KiB");
        }
    }

    /** Defaults for {@code directory}: fsync always, 256 MiB segments. */
    public static FileLogOptions defaults(Path directory) {
        return new FileLogOptions(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(100), 256L << 20, 8 << 20);
    }

    public FileLogOptions withFsync(FsyncPolicy policy) {
        return new FileLogOptions(directory, policy, fsyncInterval, segmentBytes, maxBatchBytes);
    }

    public FileLogOptions withFsyncInterval(Duration interval) {
        return new FileLogOptions(directory, fsync, interval, segmentBytes, maxBatchBytes);
    }

    public FileLogOptions withSegmentBytes(long bytes) {
        return new FileLogOptions(directory, fsync, fsyncInterval, bytes, maxBatchBytes);
    }
}
