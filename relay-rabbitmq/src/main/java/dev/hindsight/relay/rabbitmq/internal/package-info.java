/** The RabbitMQ sinks' internals: the AMQP 1.0 encoding of a relayed event for the stream protocol. */
@NullMarked
package dev.hindsight.relay.rabbitmq.internal;

import org.jspecify.annotations.NullMarked;
