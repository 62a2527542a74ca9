/**
 * The Kafka engine: {@link dev.hindsight.store.kafka.KafkaEventLog} stores a Hindsight store in one Kafka topic, with
 * exact expected-version checks by a single transactional writer per partition, a per-aggregate on-disk index, and
 * vector positions. The ownership and fencing protocol is in {@code docs/adr/0010-kafka-engine.md}; the record format
 * (a public contract) in the README and in {@link dev.hindsight.store.kafka.internal.RecordCodec}.
 */
@NullMarked
package dev.hindsight.store.kafka;

import org.jspecify.annotations.NullMarked;
