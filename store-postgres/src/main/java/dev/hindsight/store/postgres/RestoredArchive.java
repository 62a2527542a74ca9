package dev.hindsight.store.postgres;

/**
 * What {@link PostgresEventLog#restoreArchive} did.
 *
 * @param segments archived ranges read
 * @param events events in them
 * @param inserted events put back into the table (the others were still there)
 */
public record RestoredArchive(int segments, long events, long inserted) {}
