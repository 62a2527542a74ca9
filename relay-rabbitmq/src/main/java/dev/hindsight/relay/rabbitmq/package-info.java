/**
 * The outbox relay's RabbitMQ sinks: they publish the events the relay reads from a file or PostgreSQL store into a
 * RabbitMQ stream, one message per event: {@link dev.hindsight.relay.rabbitmq.RabbitStreamSink} over the stream
 * protocol and {@link dev.hindsight.relay.rabbitmq.RabbitMqSink} over AMQP 0-9-1 (the same messages).
 */
@NullMarked
package dev.hindsight.relay.rabbitmq;

import org.jspecify.annotations.NullMarked;
