package dev.hindsight.store.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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
 * @param compressionLevel zstd level at which sealed segments are compressed in the background (1–19); 0 keeps them
 *     plain; default {@value #DEFAULT_COMPRESSION_LEVEL}
 * @param blockCacheBytes most bytes of decompressed blocks (and block tables) of compressed segments kept in memory;
 *     the blocks are kept outside the Java heap (direct memory, allocated as the cache fills); default 64 MiB
 * @param archive where and when sealed segments move to object storage; null: never
 * @param memtableEvents most events the in-memory index of the newest positions holds before it is written to disk as
 *     index runs, even inside a segment (about 200 bytes of heap per event); bounds the writer's index memory and
 *     the open time independently of the segment size; default {@value #DEFAULT_MEMTABLE_EVENTS}
 */
public record FileLogOptions(
        Path directory,
        FsyncPolicy fsync,
        Duration fsyncInterval,
        long segmentBytes,
        int maxBatchBytes,
        int indexCacheEntries,
        int compressionLevel,
        long blockCacheBytes,
        @Nullable ArchiveOptions archive,
        int memtableEvents) {

    /** Options with the default version cache. */
    public FileLogOptions(
            Path directory, FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes, int maxBatchBytes) {
        this(directory, fsync, fsyncInterval, segmentBytes, maxBatchBytes, DEFAULT_INDEX_CACHE_ENTRIES);
    }

    /** Options with the default compression. */
    public FileLogOptions(
            Path directory,
            FsyncPolicy fsync,
            Duration fsyncInterval,
            long segmentBytes,
            int maxBatchBytes,
            int indexCacheEntries) {
        this(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                DEFAULT_COMPRESSION_LEVEL,
                DEFAULT_BLOCK_CACHE_BYTES,
                null,
                DEFAULT_MEMTABLE_EVENTS);
    }

    /** Default {@link #compressionLevel()}. */
    public static final int DEFAULT_COMPRESSION_LEVEL = 15;

    /** Default {@link #blockCacheBytes()}. */
    public static final long DEFAULT_BLOCK_CACHE_BYTES = 64L << 20;

    /** Default {@link #memtableEvents()}: about 50 MB of heap. */
    public static final int DEFAULT_MEMTABLE_EVENTS = 1 << 18;

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
        if (compressionLevel < 0 || compressionLevel > 19) {
            throw new IllegalArgumentException("compressionLevel must be 0 (off) to 19");
        }
        if (memtableEvents < 1024) {
            throw new IllegalArgumentException("memtableEvents must be >= 1024");
        }
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException("blockCacheBytes must be >= 0");
        }
    }

    /** Defaults for {@code directory}: fsync always, 256 MiB segments. */
    public static FileLogOptions defaults(Path directory) {
        return new FileLogOptions(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(100), 256L << 20, 8 << 20);
    }

    public FileLogOptions withFsync(FsyncPolicy policy) {
        return new FileLogOptions(
                directory,
                policy,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    public FileLogOptions withFsyncInterval(Duration interval) {
        return new FileLogOptions(
                directory,
                fsync,
                interval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    public FileLogOptions withIndexCacheEntries(int entries) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                entries,
                compressionLevel,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    public FileLogOptions withSegmentBytes(long bytes) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                bytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    /** Sealed segments compressed at zstd {@code level}; 0 keeps them plain. */
    public FileLogOptions withCompressionLevel(int level) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                level,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    public FileLogOptions withBlockCacheBytes(long bytes) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                bytes,
                archive,
                memtableEvents);
    }

    /** Sealed segments archived per {@code archive}; null: never. */
    public FileLogOptions withArchive(@Nullable ArchiveOptions archive) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                blockCacheBytes,
                archive,
                memtableEvents);
    }

    /** Index memtables written to disk once they hold {@code events} events. */
    public FileLogOptions withMemtableEvents(int events) {
        return new FileLogOptions(
                directory,
                fsync,
                fsyncInterval,
                segmentBytes,
                maxBatchBytes,
                indexCacheEntries,
                compressionLevel,
                blockCacheBytes,
                archive,
                events);
    }
}
