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
 * @param indexCacheEntries most aggregates whose current version the writer caches (LRU) for aggregates not appended
 *     to since the last segment roll; each entry is ~150 bytes; default 65,536
 */
public record FileLogOptions(
        Path directory,
        FsyncPolicy fsync,
        Duration fsyncInterval,
        long segmentBytes,
        int maxBatchBytes,
        int indexCacheEntries) {

    /** Options with the default version cache. */
    public FileLogOptions(
            Path directory, FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes, int maxBatchBytes) {
        this(directory, fsync, fsyncInterval, segmentBytes, maxBatchBytes, DEFAULT_INDEX_CACHE_ENTRIES);
    }

    /** Default {@link #indexCacheEntries()}. */
    public static final int DEFAULT_INDEX_CACHE_ENTRIES = 1 << 16;

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
        if (indexCacheEntries < 0) {
            throw new IllegalArgumentException("indexCacheEntries must be >= 0");
        }
    }

    /** Defaults for {@code directory}: fsync always, 256 MiB segments. */
    public static FileLogOptions defaults(Path directory) {
        return new FileLogOptions(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(100), 256L << 20, 8 << 20);
    }

    public FileLogOptions withFsync(FsyncPolicy policy) {
        return new FileLogOptions(directory, policy, fsyncInterval, segmentBytes, maxBatchBytes, indexCacheEntries);
    }

    public FileLogOptions withFsyncInterval(Duration interval) {
        return new FileLogOptions(directory, fsync, interval, segmentBytes, maxBatchBytes, indexCacheEntries);
    }

    public FileLogOptions withIndexCacheEntries(int entries) {
        return new FileLogOptions(directory, fsync, fsyncInterval, segmentBytes, maxBatchBytes, entries);
    }

    public FileLogOptions withSegmentBytes(long bytes) {
        return new FileLogOptions(directory, fsync, fsyncInterval, bytes, maxBatchBytes, indexCacheEntries);
    }
}
