package dev.hindsight.projection;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import java.time.Duration;

/**
 * Reads one partition of a partitioned log (the Kafka engine) on its own, so that a {@link ProjectionEngine} can run
 * one runner per partition it is assigned ({@link ProjectionEngine.Builder#partitioned}). Positions are
 * {@link Position.Vector}s; only the entry of the partition read matters. Events are returned as stored (the engine
 * decrypts them as {@code EventStore.readAll} does). Implementations are thread-safe.
 */
public interface PartitionReader {
    /** The log's number of partitions. */
    int partitions();

    /**
     * Up to {@code limit} events of {@code partition} after {@code after}'s entry for it, in offset order; the slice's
     * next position is {@code after} with that entry advanced past every record read (kept or filtered out).
     */
    GlobalSlice read(int partition, Position after, int limit, EventFilter filter);

    /**
     * Waits until {@code partition} has a record after {@code after}'s entry for it.
     *
     * @return whether it has one (false on timeout)
     */
    boolean awaitAfter(int partition, Position after, Duration timeout) throws InterruptedException;
}
