package dev.hindsight.store.kafka;

import dev.hindsight.core.StoreUnavailableException;

/**
 * The append's aggregate lives in a partition that this node does not own (now): another node owns it, or ownership
 * is moving. Nothing was written. Retry on the owning node, or here once it owns the partition again; HTTP answers it
 * as {@code store_unavailable} (503).
 */
public class NotPartitionOwnerException extends StoreUnavailableException {
    private final int partition;

    public NotPartitionOwnerException(String topic, int partition) {
        super("this node does not own partition " + partition + " of topic '" + topic
                + "': append on the node that owns it, or retry");
        this.partition = partition;
    }

    public NotPartitionOwnerException(String topic, int partition, Throwable cause) {
        super(
                "this node lost partition " + partition + " of topic '" + topic
                        + "' to another node (fenced); nothing of this append was written",
                cause);
        this.partition = partition;
    }

    /** The partition of the aggregate. */
    public int partition() {
        return partition;
    }
}
