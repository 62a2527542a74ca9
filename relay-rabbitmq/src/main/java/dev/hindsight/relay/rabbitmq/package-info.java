/**
 * The outbox relay's RabbitMQ sink: {@link dev.hindsight.relay.rabbitmq.RabbitMqSink} publishes the events the relay
 * reads from a file or PostgreSQL store into a RabbitMQ stream.
 */
@NullMarked
package dev.hindsight.relay.rabbitmq;

import org.jspecify.annotations.NullMarked;
