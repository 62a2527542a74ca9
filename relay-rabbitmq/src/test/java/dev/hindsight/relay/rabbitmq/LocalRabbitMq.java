package dev.hindsight.relay.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The local RabbitMQ server of the ITs (127.0.0.1, AMQP 5672 and stream protocol 5552; ./test.sh starts it and enables
 * {@code rabbitmq_stream}), and the streams one test made there, deleted after it (a stream keeps its messages). Not
 * thread-safe: one per test instance.
 */
final class LocalRabbitMq {
    static final String HOST = "127.0.0.1";

    private final String prefix;
    private final List<String> streams = new ArrayList<>();

    /** @param prefix the start of this test class's stream and connection names */
    LocalRabbitMq(String prefix) {
        this.prefix = prefix;
    }

    static ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(HOST);
        f.setPort(5672);
        return f;
    }

    /** A new stream name, deleted by {@link #deleteStreams}. */
    String stream() {
        String s = prefix + "-" + UUID.randomUUID();
        streams.add(s);
        return s;
    }

    /** Deletes the streams {@link #stream} named (those that exist). */
    void deleteStreams() throws Exception {
        try (Connection c = factory().newConnection(prefix + "-cleanup");
                Channel ch = c.createChannel()) {
            for (String s : streams) {
                ch.queueDelete(s);
            }
        }
    }
}
