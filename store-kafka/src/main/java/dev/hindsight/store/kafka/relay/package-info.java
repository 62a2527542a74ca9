/**
 * The outbox relay: {@link dev.hindsight.store.kafka.relay.KafkaRelay} publishes the committed events of a store on
 * another engine (file, PostgreSQL) to a Kafka topic, in the Kafka engine's record format, at least once and in log
 * order, resuming from a checkpoint written only after the broker acknowledged.
 */
@NullMarked
package dev.hindsight.store.kafka.relay;

import org.jspecify.annotations.NullMarked;
