package dev.hindsight.projection.internal;

import dev.hindsight.core.HindsightException;

/**
 * A batch of a partition's runner found the partition claimed by a later holder (a higher epoch): its transaction
 * must roll back and the runner stop, since another process now applies that partition. Not a failure of the
 * projection, so never retried or dead-lettered.
 */
public final class PartitionFencedException extends HindsightException.TransientException {
    private static final long serialVersionUID = 1L;

    private final int partition;

    PartitionFencedException(String name, long generation, int partition, long epoch) {
        super(
                "partition " + partition + " of projection " + name + " (generation " + generation
                        + ") is held by a later holder than epoch " + epoch + ": this batch is rolled back",
                null);
        this.partition = partition;
    }

    /** The partition a later holder claimed. */
    public int partition() {
        return partition;
    }

    @Override
    public String code() {
        return "partition_fenced";
    }
}
