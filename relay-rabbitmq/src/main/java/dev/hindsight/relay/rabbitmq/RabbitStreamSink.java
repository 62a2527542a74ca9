package dev.hindsight.relay.rabbitmq;

import com.rabbitmq.stream.Address;
import com.rabbitmq.stream.Constants;
import com.rabbitmq.stream.Environment;
import com.rabbitmq.stream.Producer;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.relay.rabbitmq.internal.EventMessage;
import dev.hindsight.relay.rabbitmq.internal.PreEncodedCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's sink over RabbitMQ's stream protocol ({@code rabbitmq-stream://HOST:PORT/STREAM}, port 5552 with the
 * {@code rabbitmq_stream} plugin): one producer publishing each event, in order, as one message into a stream
 * (created if missing). The messages are those {@link RabbitMqSink} publishes over AMQP 0-9-1, as the broker stores
 * them (see {@link EventMessage}); the client sends many of them per network frame (one at most every 5 ms) and the
 * broker confirms them per frame, which is what lets RabbitMQ keep up with 10,000 events/s where one AMQP 0-9-1
 * publish and confirm per event does not. The producer has no name, so the broker does not de-duplicate: consumers
 * de-duplicate by the event id, as for the other sinks. Every connection goes to the target's HOST:PORT (a single
 * node, or a load balancer in front of the stream's leader). Credentials as for {@link RabbitMqSink}. Not thread-safe:
 * the relay's thread only (confirmations arrive on the client's threads).
 */
public final class RabbitStreamSink implements RelaySink {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitStreamSink.class);
    /** More than the relay ever has in flight (4 batches of 2,000), so that sending never blocks on confirmations. */
    private static final int MAX_UNCONFIRMED = 10_000;
    /** How long the client gathers messages into one frame at most. */
    private static final Duration PUBLISHING_DELAY = Duration.ofMillis(5);

    private final RelayTarget target;
    private final Environment environment;
    private @Nullable Producer producer;

    private RabbitStreamSink(RelayTarget target, Environment environment) {
        this.target = target;
        this.environment = environment;
    }

    /** Sinks to {@code target}, a {@code rabbitmq-stream://} target. */
    public static RelaySink.Factory factory(RelayTarget target) {
        if (target.kind() != RelayTarget.Kind.RABBITMQ_STREAM) {
            throw new IllegalArgumentException("not a RabbitMQ stream-protocol target: " + target);
        }
        return () -> {
            Address address = new Address(target.host(), target.port());
            Environment environment = Environment.builder()
                    .host(target.host())
                    .port(target.port())
                    .addressResolver(advertised -> address)
                    .username(RabbitMqSink.user())
                    .password(RabbitMqSink.password())
                    .codec(new PreEncodedCodec())
                    // publishes no compressed sub-entries: the compression libraries are not on the class path
                    .compressionCodecFactory(compression -> {
                        throw new UnsupportedOperationException("the relay does not compress (" + compression + ")");
                    })
                    .id("hindsight-relay-" + target.destination())
                    .build();
            return new RabbitStreamSink(target, environment);
        };
    }

    /** Creates the stream if it does not exist. */
    @Override
    public void prepare() {
        try {
            environment.streamCreator().stream(target.destination()).create();
        } catch (RuntimeException e) {
            LOG.warn("cannot create the stream {} (publishing anyway): {}", target.destination(), e.toString());
        }
    }

    @Override
    public Future<?> send(RecordedEvent event) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer().send(EventMessage.of(event, target.destination()), status -> {
                if (status.isConfirmed()) {
                    acked.complete(null);
                } else {
                    acked.completeExceptionally(new IOException("RabbitMQ did not confirm the message of event "
                            + event.eventId() + ": " + why(status.getCode()) + " (stream protocol response code "
                            + status.getCode() + ")"));
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /**
     * What a confirmation's failure code means, naming the stream: the client makes its producer unavailable when the
     * stream is deleted, and a bare code left the relay's {@code last_error} unexplained.
     */
    private String why(short code) {
        return switch (code) {
            case Constants.CODE_PRODUCER_NOT_AVAILABLE, Constants.RESPONSE_CODE_STREAM_DOES_NOT_EXIST ->
                "the producer for the stream " + target.destination() + " is gone (was the stream deleted?)";
            case Constants.CODE_PRODUCER_CLOSED -> "the producer for the stream " + target.destination() + " closed";
            case Constants.CODE_PUBLISH_CONFIRM_TIMEOUT ->
                "no confirmation in time from the stream " + target.destination();
            default -> "the stream " + target.destination() + " refused it";
        };
    }

    private Producer producer() {
        Producer p = producer;
        if (p == null) {
            p = environment.producerBuilder().stream(target.destination())
                    // a frame every 5 ms (or per 100 messages): the client's dynamic batching measured a publish lag
                    // p50 of 84 ms, 1 ms p50 2 ms at twice the broker CPU of 5 ms (docs/benchmarks.md, session 14)
                    .dynamicBatch(false)
                    .batchPublishingDelay(PUBLISHING_DELAY)
                    .maxUnconfirmedMessages(MAX_UNCONFIRMED)
                    .retryOnRecovery(false) // the relay resumes from its checkpoint with a new sink
                    .build();
            producer = p;
        }
        return p;
    }

    /** Nothing to push: the client publishes whatever is queued as soon as it can. */
    @Override
    public void flush() {}

    /**
     * Asks the broker whether the stream still exists. When a stream is deleted, the client (stream-client 1.2.0, and
     * still 1.11) fails the messages it has published and not yet had confirmed, but forgets those it has queued for its
     * next frame (up to {@link #PUBLISHING_DELAY}): a deletion noticed in that window left them neither confirmed nor
     * failed, and the relay waited out its acknowledgement timeout (about 1 run in 7 of {@code RelayDeletedStreamIT}
     * under load). A question the broker cannot answer now is logged, not thrown: the relay's timeout still bounds the
     * wait.
     */
    @Override
    public void verify() throws IOException {
        boolean exists;
        try {
            exists = environment.streamExists(target.destination());
        } catch (RuntimeException e) {
            LOG.debug("cannot ask RabbitMQ whether the stream {} exists", target.destination(), e);
            return;
        }
        if (!exists) {
            throw new IOException("the stream " + target.destination() + " on " + target.servers()
                    + " does not exist (was it deleted?): RabbitMQ will not confirm the messages sent to it");
        }
    }

    @Override
    public void close() {
        try {
            Producer p = producer;
            if (p != null) {
                p.close();
            }
        } catch (RuntimeException e) {
            LOG.debug("closing the relay's RabbitMQ stream producer", e);
        } finally {
            try {
                environment.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the relay's RabbitMQ stream environment", e);
            }
        }
    }

    /** The target's name for logs. */
    @Override
    public String toString() {
        return "RabbitStreamSink[" + target + "]";
    }
}
