package dev.hindsight.core.spi;

/**
 * What a store keeps, as its engine measures it: the number of events and the bytes they take on disk (or in the
 * database). Either is {@value #UNKNOWN} when the engine cannot tell.
 *
 * @param events events stored
 * @param bytes bytes of stored data: the file log's written segment bytes (not the preallocated size), a database's
 *     table and index sizes
 */
public record StorageUse(long events, long bytes) {
    /** Not measured. */
    public static final long UNKNOWN = -1;

    public static final StorageUse NOT_MEASURED = new StorageUse(UNKNOWN, UNKNOWN);

    public StorageUse {
        if (events < UNKNOWN || bytes < UNKNOWN) {
            throw new IllegalArgumentException("events and bytes must be >= 0 or UNKNOWN");
        }
    }
}
