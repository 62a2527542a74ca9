package dev.hindsight.core.spi;

import dev.hindsight.core.Position;
import java.util.Map;
import java.util.Optional;

/**
 * Durable cursors of named consumers (projections, subscriptions): where each has processed the global log up to.
 * Positions are stored in their wire form ({@link Position#toString()}), so vector positions of partitioned engines
 * fit too. Thread-safe.
 */
public interface CheckpointStore extends AutoCloseable {

    /** The stored position of {@code name}, empty if it has none (start from the beginning). */
    Optional<Position> load(String name);

    /**
     * Stores the position of {@code name}, durably before returning.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if it cannot be stored
     */
    void save(String name, Position position);

    /** Every stored checkpoint. */
    Map<String, Position> all();

    @Override
    void close();
}
