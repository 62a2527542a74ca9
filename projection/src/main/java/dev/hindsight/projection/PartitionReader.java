package dev.hindsight.projection;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import java.time.Duration;
import java.util.Set;

/**
 * Reads some partitions of a partitioned log (the Kafka engine) without the others, so that a {@link ProjectionEngine}
 * can apply only the partitions it is assigned ({@link ProjectionEngine.Builder#partitioned}). Positions are
 * {@link Position.Vector}s; only the entries of the partitions read matter. Events are returned as stored (the engine
 * decrypts them as {@code EventStore.readAll} does). Implementations are thread-safe.
 */
public interface PartitionReader {
    /** The log's number of partitions. */
    int partitions();

    /**
     * Up to {@code limit} events of {@code partitions} after {@code after}'s entries for them, in the log's global
     * order restricted to them (so each partition in offset order); the slice's next position is {@code after} with
     * those entries advanced past every record read (kept or filtered out), the others unchanged.
     */
    GlobalSlice read(Set<Integer> partitions, Position after, int limit, EventFilter filter);

    /**
     * Waits until one of {@code partitions} has a record after {@code after}'s entry for it.
     *
     * @return whether one has (false on timeout)
     */
    boolean awaitAfter(Set<Integer> partitions, Position after, Duration timeout) throws InterruptedException;
}
