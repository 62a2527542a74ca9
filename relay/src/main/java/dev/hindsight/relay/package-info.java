/**
 * The outbox relay ({@code serve --publish}, the seed's §7.C pattern): {@link dev.hindsight.relay.OutboxRelay}
 * publishes the committed events of a store on the file or PostgreSQL engine to a message queue through a
 * {@link dev.hindsight.relay.RelaySink}, at least once and in log order, resuming from a checkpoint written only after
 * the broker acknowledged. Sinks: {@code KafkaSink} (module store-kafka), {@code RabbitStreamSink} and
 * {@code RabbitMqSink} (module relay-rabbitmq).
 */
@NullMarked
package dev.hindsight.relay;

import org.jspecify.annotations.NullMarked;
