package dev.hindsight.core.spi;

import java.util.List;

/**
 * Where aggregate snapshots live. Snapshots are derived data: losing one only costs a longer replay. Engines keep the
 * newest {@code keep} snapshots per aggregate (older ones are dropped) so time travel can start from one before its
 * target. Thread-safe.
 */
public interface SnapshotStore extends AutoCloseable {

    /**
     * Stores a snapshot. A snapshot at a version already stored for that aggregate and schema replaces it.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if it cannot be written
     */
    void save(Snapshot snapshot);

    /** The kept snapshots of an aggregate, newest (highest version) first; empty if none. */
    List<Snapshot> snapshots(String aggregateId);

    @Override
    void close();
}
