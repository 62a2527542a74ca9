package dev.hindsight.core.spi;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

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

    /**
     * Stores several snapshots, with the effect of {@link #save} on each in order. Engines override it to write them in
     * one round trip (the background snapshot writer of {@code AggregateRepository} hands over what queued meanwhile).
     *
     * @throws dev.hindsight.core.StoreUnavailableException if they cannot be written (some may have been)
     */
    default void saveAll(List<Snapshot> snapshots) {
        for (Snapshot s : snapshots) {
            save(s);
        }
    }

    /** The kept snapshots of an aggregate, newest (highest version) first; empty if none. */
    List<Snapshot> snapshots(String aggregateId);

    /**
     * The newest kept snapshot of an aggregate at or below {@code maxVersion} and, if {@code asOf} is given, taken of
     * an event whose timestamp is at or before it; {@code null} if none. Engines override this to read only that one
     * snapshot (a long aggregate keeps hundreds of time-travel anchors).
     */
    default @Nullable Snapshot latest(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        for (Snapshot s : snapshots(aggregateId)) {
            if (s.version() <= maxVersion && (asOf == null || !s.timestamp().isAfter(asOf))) {
                return s;
            }
        }
        return null;
    }

    /** Bytes the kept snapshots take on disk (or in the database), {@link StorageUse#UNKNOWN} if not measured. */
    default long bytesOnDisk() {
        return StorageUse.UNKNOWN;
    }

    @Override
    void close();
}
