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

    /** A builder holding {@link #defaults(Path) the defaults} for {@code directory}. */
    public static Builder builder(Path directory) {
        return defaults(directory).toBuilder();
    }

    /** A builder holding these options, to change several at once. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public FileLogOptions withFsync(FsyncPolicy policy) {
        return toBuilder().fsync(policy).build();
    }

    public FileLogOptions withFsyncInterval(Duration interval) {
        return toBuilder().fsyncInterval(interval).build();
    }

    public FileLogOptions withIndexCacheEntries(int entries) {
        return toBuilder().indexCacheEntries(entries).build();
    }

    public FileLogOptions withSegmentBytes(long bytes) {
        return toBuilder().segmentBytes(bytes).build();
    }

    /** Sealed segments compressed at zstd {@code level}; 0 keeps them plain. */
    public FileLogOptions withCompressionLevel(int level) {
        return toBuilder().compressionLevel(level).build();
    }

    public FileLogOptions withBlockCacheBytes(long bytes) {
        return toBuilder().blockCacheBytes(bytes).build();
    }

    /** Sealed segments archived per {@code archive}; null: never. */
    public FileLogOptions withArchive(@Nullable ArchiveOptions archive) {
        return toBuilder().archive(archive).build();
    }

    /** Index memtables written to disk once they hold {@code events} events. */
    public FileLogOptions withMemtableEvents(int events) {
        return toBuilder().memtableEvents(events).build();
    }

    /**
     * Mutable options, checked when {@link #build() built}; the parameters mean what the record's components mean. Not
     * thread-safe.
     */
    public static final class Builder {
        private final Path directory;
        private FsyncPolicy fsync;
        private Duration fsyncInterval;
        private long segmentBytes;
        private int maxBatchBytes;
        private int indexCacheEntries;
        private int compressionLevel;
        private long blockCacheBytes;
        private @Nullable ArchiveOptions archive;
        private int memtableEvents;

        private Builder(FileLogOptions from) {
            this.directory = from.directory;
            this.fsync = from.fsync;
            this.fsyncInterval = from.fsyncInterval;
            this.segmentBytes = from.segmentBytes;
            this.maxBatchBytes = from.maxBatchBytes;
            this.indexCacheEntries = from.indexCacheEntries;
            this.compressionLevel = from.compressionLevel;
            this.blockCacheBytes = from.blockCacheBytes;
            this.archive = from.archive;
            this.memtableEvents = from.memtableEvents;
        }

        public Builder fsync(FsyncPolicy fsync) {
            this.fsync = fsync;
            return this;
        }

        public Builder fsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
            return this;
        }

        public Builder segmentBytes(long segmentBytes) {
            this.segmentBytes = segmentBytes;
            return this;
        }

        public Builder maxBatchBytes(int maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        public Builder indexCacheEntries(int indexCacheEntries) {
            this.indexCacheEntries = indexCacheEntries;
            return this;
        }

        public Builder compressionLevel(int compressionLevel) {
            this.compressionLevel = compressionLevel;
            return this;
        }

        public Builder blockCacheBytes(long blockCacheBytes) {
            this.blockCacheBytes = blockCacheBytes;
            return this;
        }

        public Builder archive(@Nullable ArchiveOptions archive) {
            this.archive = archive;
            return this;
        }

        public Builder memtableEvents(int memtableEvents) {
            this.memtableEvents = memtableEvents;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if a value is out of range (as the record's constructor checks)
         */
        public FileLogOptions build() {
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
    }
}
