/**
 * Implementation of the Kafka engine; not an API. Per partition: a {@code PartitionIndex} (memtable + two
 * {@code HashIndex} LSMs: aggregate-id hash → offset, event-id hash → offset), fed only by the {@code Indexer}'s
 * {@code read_committed} consumer; a {@code PartitionWriter} with a transactional producer on the owning node;
 * {@code Ownership} maps a consumer group's assignment to writers.
 */
@NullMarked
package dev.hindsight.store.kafka.internal;

import org.jspecify.annotations.NullMarked;
