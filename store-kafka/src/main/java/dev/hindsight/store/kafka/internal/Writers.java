package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;

/**
 * This node's writing side, driven by {@link Ownership}: it is told which partitions the ownership group assigns or
 * takes away, and appends only to the ones it has taken over. Two implementations: {@link PartitionWriters} (one
 * transactional producer per partition, fenced by {@code transactional.id}) and {@link NodeWriter} (one transaction
 * per batch across every owned partition, fenced by the group's generation, ADR 0010's session-8 amendment).
 * Thread-safe; the ownership callbacks come from the ownership thread only.
 */
public interface Writers extends AutoCloseable {
    /** Whether the group has assigned {@code partition} to this node (it may still be taking it over). */
    boolean assigned(int partition);

    /**
     * Appends to an assigned partition; see {@link dev.hindsight.core.spi.EventLog#append}.
     *
     * @throws dev.hindsight.store.kafka.NotPartitionOwnerException if the partition is not (or no longer) ready
     */
    AppendResult append(int partition, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events);

    /**
     * The group assigned {@code partitions} (possibly none: every rebalance ends here with the new generation). Takes
     * them over before it returns.
     *
     * @param stableOffsets asks the group coordinator, on the ownership thread, whether transactional offset commits
     *     to the partitions are still pending; false if they were after the timeout
     */
    void onAssigned(Collection<Integer> partitions, ConsumerGroupMetadata group, StableOffsets stableOffsets);

    /** The group took {@code partitions} away (revoked or lost): no append to them starts after this returns. */
    void onRevoked(Collection<Integer> partitions);

    /**
     * Takes up again, among {@code assigned}, the partitions whose writing stopped after a failure or whose takeover
     * failed.
     */
    void retryFailed(Set<Integer> assigned, StableOffsets stableOffsets);

    /** Partitions this node writes now, ascending. */
    List<Integer> ready();

    @Override
    void close();

    /** Whether no transactional offset commit is pending on the partitions (KIP-447's stable offset fetch). */
    @FunctionalInterface
    interface StableOffsets {
        boolean await(Collection<Integer> partitions, Duration timeout);
    }
}
