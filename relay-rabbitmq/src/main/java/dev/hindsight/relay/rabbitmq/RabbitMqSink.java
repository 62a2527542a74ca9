package dev.hindsight.relay.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.hindsight.core.EventJson;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's RabbitMQ sink over AMQP 0-9-1 ({@code rabbitmq://HOST:PORT/STREAM}): one connection and channel in
 * confirm mode publishing each event, in order, into a stream (a durable queue of type {@code stream}, declared if
 * missing; an existing queue of another type is published to as it is) through the default exchange. One publish and
 * one confirm per event costs the broker a core at about 10,000 events/s: {@link RabbitStreamSink} publishes the same
 * messages over the stream protocol for much less. A message
 * is the event as the HTTP API returns it (JSON, {@code application/json}, persistent), with {@code message_id} = the
 * event id (consumers de-duplicate by it: delivery is at least once), {@code timestamp} = its {@code recorded_at}, and
 * headers {@code aggregate_id}, {@code event_type}, {@code version}. An event counts as published when the broker
 * confirms it (for a stream: written to its log). Credentials: {@code HINDSIGHT_RABBITMQ_USER} /
 * {@code HINDSIGHT_RABBITMQ_PASSWORD}, RabbitMQ's default {@code guest}/{@code guest} otherwise. Not thread-safe: the
 * relay's thread only (confirms arrive on the client's connection thread).
 */
public final class RabbitMqSink implements RelaySink {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqSink.class);

    private final RelayTarget target;
    private final Connection connection;
    private final Channel channel;
    /** Futures of sent, unconfirmed events by publish sequence number. */
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending = new ConcurrentSkipListMap<>();

    private RabbitMqSink(RelayTarget target, ConnectionFactory factory) {
        this.target = target;
        try {
            this.connection = factory.newConnection("hindsight-relay-" + target.destination());
            this.channel = connection.createChannel();
            channel.confirmSelect();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to RabbitMQ at " + target.servers(), e);
        } catch (TimeoutException e) {
            throw new UncheckedIOException(
                    "cannot connect to RabbitMQ at " + target.servers(), new IOException("timed out", e));
        }
        channel.addConfirmListener(
                (tag, multiple) -> settle(tag, multiple, null),
                (tag, multiple) -> settle(
                        tag,
                        multiple,
                        new IOException("RabbitMQ refused (nack) the message of sequence number " + tag)));
        // published as mandatory: a message no queue takes (the stream was deleted, or never declared) comes back
        // before its confirm, which the broker sends all the same; it fails the pending events so that the relay
        // starts over from its checkpoint instead of counting an event stored nowhere as published
        channel.addReturnListener(returned -> {
            IOException unroutable = new IOException("RabbitMQ routed the message of event "
                    + returned.getProperties().getMessageId() + " to no queue (does the stream "
                    + target.destination() + " exist?): " + returned.getReplyText());
            pending.values().forEach(f -> f.completeExceptionally(unroutable));
        });
        channel.addShutdownListener(cause -> {
            IOException closed = new IOException("the RabbitMQ channel closed: " + cause.getMessage(), cause);
            pending.values().forEach(f -> f.completeExceptionally(closed));
            pending.clear();
        });
    }

    /** Sinks to {@code target}, a {@code rabbitmq://} target. */
    public static RelaySink.Factory factory(RelayTarget target) {
        if (target.kind() != RelayTarget.Kind.RABBITMQ) {
            throw new IllegalArgumentException("not a RabbitMQ target: " + target);
        }
        return () -> {
            ConnectionFactory f = new ConnectionFactory();
            f.setHost(target.host());
            f.setPort(target.port());
            f.setUsername(user());
            f.setPassword(password());
            f.setAutomaticRecoveryEnabled(false); // the relay reconnects and resumes from its checkpoint
            f.setConnectionTimeout(10_000);
            return new RabbitMqSink(target, f);
        };
    }

    /** {@code HINDSIGHT_RABBITMQ_USER}, or RabbitMQ's default {@code guest}. */
    static String user() {
        return Objects.requireNonNullElse(System.getenv("HINDSIGHT_RABBITMQ_USER"), "guest");
    }

    /** {@code HINDSIGHT_RABBITMQ_PASSWORD}, or RabbitMQ's default {@code guest}. */
    static String password() {
        return Objects.requireNonNullElse(System.getenv("HINDSIGHT_RABBITMQ_PASSWORD"), "guest");
    }

    private void settle(long tag, boolean multiple, @Nullable IOException nack) {
        Map<Long, CompletableFuture<Void>> done =
                multiple ? pending.headMap(tag, true) : pending.subMap(tag, true, tag, true);
        for (CompletableFuture<Void> f : done.values()) {
            if (nack == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(nack);
            }
        }
        done.clear();
    }

    /** Declares the stream (durable, {@code x-queue-type: stream}) if it does not exist. */
    @Override
    public void prepare() {
        try (Channel declare = connection.createChannel()) {
            declare.queueDeclare(target.destination(), true, false, false, Map.of("x-queue-type", "stream"));
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.warn(
                    "cannot declare the stream {} (publishing anyway; an existing queue of another type keeps its"
                            + " type): {}",
                    target.destination(),
                    e.toString());
        }
    }

    @Override
    public Future<?> send(RecordedEvent event) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        long seq = channel.getNextPublishSeqNo();
        pending.put(seq, acked);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId(event.eventId().toString())
                .timestamp(Date.from(event.recordedAt()))
                .headers(Map.of(
                        "aggregate_id", event.aggregateId(),
                        "event_type", event.eventType(),
                        "version", event.version()))
                .build();
        try {
            channel.basicPublish("", target.destination(), true, props, EventJson.toBytes(event, false));
        } catch (IOException | RuntimeException e) {
            pending.remove(seq);
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** Nothing to push: each publish is written to the connection as it is made. */
    @Override
    public void flush() {}

    @Override
    public void close() {
        try {
            connection.close(5_000);
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the relay's RabbitMQ connection", e);
        }
    }
}
