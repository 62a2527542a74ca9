package dev.hindsight.cli;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An ordinary AMQP 0-9-1 consumer of a relayed RabbitMQ stream for tests: reads it from its first message (the event
 * id is the {@code message_id}). Not thread-safe.
 */
public final class RelayStreamReader extends RelayReader {
    /**
     * How long a consume may keep failing after the stream is declared: RabbitMQ declares a stream before its member
     * process runs, and a consume in between fails with {@code stream_not_found}, which closes the connection
     * (INTERNAL_ERROR 541; seen on a node whose stream plugin had just been enabled).
     */
    private static final long CONSUME_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConnectionFactory factory;
    private Connection connection;
    private Channel channel;
    private final String stream;
    private long firstConsumeFailure;
    private final LinkedBlockingQueue<Seen> arrived = new LinkedBlockingQueue<>();
    private boolean consuming;

    RelayStreamReader(String host, int port, String stream) {
        this.stream = stream;
        factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        connect();
    }

    private void connect() {
        try {
            connection = factory.newConnection("hindsight-relay-test-reader");
            channel = connection.createChannel();
            channel.basicQos(500);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("RabbitMQ at " + factory.getHost() + ":" + factory.getPort(), e);
        }
    }

    /** Deletes {@code stream} if it exists (a stream keeps its messages across test runs). */
    public static void delete(String host, int port, String stream) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        try (Connection c = f.newConnection("hindsight-relay-test-cleanup");
                Channel ch = c.createChannel()) {
            ch.queueDelete(stream);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("deleting stream " + stream, e);
        }
    }

    @Override
    void poll() {
        try {
            if (!consuming) {
                Channel probe = connection.createChannel();
                try {
                    probe.queueDeclarePassive(stream);
                } catch (IOException e) { // not declared yet by the relay (the refusal closes the probe's channel)
                    sleep();
                    return;
                } finally {
                    if (probe.isOpen()) {
                        probe.close();
                    }
                }
                try {
                    consume();
                } catch (IOException e) { // declared, but its stream not running yet: on a new connection, again
                    long now = System.nanoTime();
                    if (firstConsumeFailure == 0) {
                        firstConsumeFailure = now;
                    } else if (now - firstConsumeFailure > CONSUME_RETRY_NANOS) {
                        throw e;
                    }
                    connection.abort();
                    connect();
                    sleep();
                    return;
                }
                consuming = true;
            }
            Seen s = arrived.poll(200, TimeUnit.MILLISECONDS);
            while (s != null) {
                saw(s);
                s = arrived.poll();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void consume() throws IOException {
        Channel ch = channel;
        ch.basicConsume(
                stream,
                false,
                Map.of("x-stream-offset", "first"),
                (tag, d) -> {
                    Map<String, Object> h = d.getProperties().getHeaders();
                    arrived.add(new Seen(
                            String.valueOf(h.get("aggregate_id")),
                            Long.parseLong(String.valueOf(h.get("version"))),
                            d.getProperties().getMessageId(),
                            String.valueOf(h.get("event_type")),
                            new String(d.getBody(), StandardCharsets.UTF_8)));
                    ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
                },
                tag -> {});
    }

    @Override
    public void close() {
        try {
            connection.close(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
