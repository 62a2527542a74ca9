/**
 * The outbox relay's Kafka sink: {@link dev.hindsight.store.kafka.relay.KafkaSink} publishes the events the relay
 * ({@code dev.hindsight.relay.OutboxRelay}) reads from a file or PostgreSQL store to a Kafka topic in the Kafka
 * engine's record format.
 */
@NullMarked
package dev.hindsight.store.kafka.relay;

import org.jspecify.annotations.NullMarked;
