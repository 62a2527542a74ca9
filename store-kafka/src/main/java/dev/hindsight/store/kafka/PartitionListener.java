package dev.hindsight.store.kafka;

import java.util.List;

/**
 * What a member of a consumer group ({@link KafkaEventLog#joinGroup}) does when the group moves partitions to or from
 * it. Called on the membership's thread; a call that returns late delays the group's rebalance (up to the options'
 * {@code maxPollInterval}, after which the member is dropped).
 */
public interface PartitionListener {
    /** The group gave these partitions to this member, in addition to those it held. */
    void assigned(List<Integer> partitions);

    /**
     * The group takes these partitions away (or this member lost them: its session expired). Stop working on them
     * before returning: the next holder starts when this returns (or, once lost, already has).
     */
    void revoked(List<Integer> partitions);
}
