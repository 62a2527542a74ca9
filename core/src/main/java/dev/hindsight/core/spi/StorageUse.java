package dev.hindsight.core.spi;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a store keeps, as its engine measures it: the number of events and the bytes they take on disk (or in the
 * database), and for engines with storage tiers, how they split. Counts are {@value #UNKNOWN} when the engine cannot
 * tell.
 *
 * @param events events stored
 * @param bytes bytes of stored data on local disk (the hot tier): the file log's written segment bytes (not the
 *     preallocated size), a database's table and index sizes
 * @param tiers the split by tier, or null for an engine without tiers
 */
public record StorageUse(long events, long bytes, @Nullable Tiers tiers) {
    /** Not measured. */
    public static final long UNKNOWN = -1;

    public static final StorageUse NOT_MEASURED = new StorageUse(UNKNOWN, UNKNOWN);

    public StorageUse(long events, long bytes) {
        this(events, bytes, null);
    }

    public StorageUse {
        if (events < UNKNOWN || bytes < UNKNOWN) {
            throw new IllegalArgumentException("events and bytes must be >= 0 or UNKNOWN");
        }
    }

    /**
     * Events and bytes per tier.
     *
     * @param hotEvents events whose data is on local disk
     * @param hotBytes their bytes on local disk (plain and compressed segments)
     * @param archivedEvents events whose data is only in the archive
     * @param archivedBytes their bytes in the archive
     * @param compressedPlainBytes plain size of the compressed segments (hot and archived)
     * @param compressedBytes their compressed size
     * @param cacheHitRate hits / requests of the compressed-block cache since open (0 without requests)
     * @param lastArchive the last archive run, or null
     */
    public record Tiers(
            long hotEvents,
            long hotBytes,
            long archivedEvents,
            long archivedBytes,
            long compressedPlainBytes,
            long compressedBytes,
            double cacheHitRate,
            @Nullable ArchiveRun lastArchive) {
        /** Plain bytes per stored byte of the compressed segments; 0 when none is compressed yet. */
        public double compressionRatio() {
            return compressedBytes == 0 ? 0 : (double) compressedPlainBytes / compressedBytes;
        }
    }

    /**
     * One archive run.
     *
     * @param error why it stopped early, or null
     */
    public record ArchiveRun(
            Instant at,
            int segments,
            long events,
            long bytes,
            long millis,
            @Nullable String error) {}
}
