package dev.hindsight.store.kafka;

import dev.hindsight.core.NotOwnerException;
import org.jspecify.annotations.Nullable;

/**
 * The append's aggregate lives in a partition that this node does not own (now): another node owns it, or ownership
 * is moving. Nothing was written. {@link #owner()} names the owning node's HTTP API when the ownership group knows it
 * (nodes started by {@code serve} advertise theirs), and HTTP then answers {@code 307} with {@code Location} on that
 * node; otherwise {@code not_owner} (503): retry.
 */
public class NotPartitionOwnerException extends NotOwnerException {
    private final int partition;

    public NotPartitionOwnerException(String topic, int partition, @Nullable String owner) {
        super("this node does not own partition " + partition + " of topic '" + topic + "'", owner);
        this.partition = partition;
    }

    public NotPartitionOwnerException(String topic, int partition) {
        this(topic, partition, (String) null);
    }

    public NotPartitionOwnerException(String topic, int partition, Throwable cause) {
        super(
                "this node lost partition " + partition + " of topic '" + topic
                        + "' to another node (fenced); nothing of this append was written",
                null,
                cause);
        this.partition = partition;
    }

    /** The partition of the aggregate. */
    public int partition() {
        return partition;
    }
}
