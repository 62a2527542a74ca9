package dev.hindsight.relay;

import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the relay publishes: {@code kafka://HOST:PORT[,HOST:PORT…]/TOPIC}, {@code rabbitmq-stream://HOST:PORT/STREAM}
 * (a RabbitMQ stream over the stream protocol, created if missing) or {@code rabbitmq://HOST:PORT/STREAM} (the same
 * over AMQP 0-9-1).
 *
 * @param kind the message queue
 * @param servers {@code HOST:PORT[,…]} (one for RabbitMQ)
 * @param destination the topic or stream name
 */
public record RelayTarget(Kind kind, String servers, String destination) {
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern STREAM = Pattern.compile("[a-zA-Z0-9._:-]{1,255}");
    private static final Pattern HOST = Pattern.compile("[a-zA-Z0-9.-]+|\\[[0-9a-fA-F:]+]");
    private static final String EXPECTED =
            "expected kafka://HOST:PORT/TOPIC, rabbitmq-stream://HOST:PORT/STREAM or rabbitmq://HOST:PORT/STREAM";

    /** The message queues the relay publishes to. */
    public enum Kind {
        /** A Kafka topic, in the Kafka engine's record format. */
        KAFKA("kafka"),
        /** A RabbitMQ stream over RabbitMQ's stream protocol (port 5552, plugin {@code rabbitmq_stream}). */
        RABBITMQ_STREAM("rabbitmq-stream"),
        /** A RabbitMQ stream (or another queue) over AMQP 0-9-1 with publisher confirms. */
        RABBITMQ("rabbitmq");

        private final String scheme;

        Kind(String scheme) {
            this.scheme = scheme;
        }

        /** The URL scheme: {@code kafka}, {@code rabbitmq-stream}, {@code rabbitmq}. */
        public String scheme() {
            return scheme;
        }

        /** Whether the destination is a RabbitMQ queue or stream (one server, RabbitMQ's naming rules). */
        public boolean rabbitMq() {
            return this != KAFKA;
        }
    }

    public RelayTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(servers, "servers");
        Objects.requireNonNull(destination, "destination");
    }

    /**
     * Parses {@code kafka://HOST:PORT[,HOST:PORT…]/TOPIC}, {@code rabbitmq-stream://HOST:PORT/STREAM} or
     * {@code rabbitmq://HOST:PORT/STREAM}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static RelayTarget parse(String url) {
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (url.startsWith(k.scheme() + "://")) {
                kind = k;
            }
        }
        if (kind == null) {
            throw bad(url, "it must start with kafka://, rabbitmq-stream:// or rabbitmq:// (the queues supported)");
        }
        String rest = url.substring(kind.scheme().length() + 3);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw bad(url, (kind == Kind.KAFKA ? "the topic" : "the stream") + " is missing");
        }
        String servers = rest.substring(0, slash);
        String destination = rest.substring(slash + 1);
        if (kind == Kind.KAFKA
                && (!TOPIC.matcher(destination).matches() || destination.equals(".") || destination.equals(".."))) {
            throw bad(url, "'" + destination + "' is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)");
        }
        if (kind.rabbitMq() && (!STREAM.matcher(destination).matches() || destination.startsWith("amq."))) {
            throw bad(
                    url,
                    "'" + destination + "' is not a RabbitMQ stream name (1-255 of a-z A-Z 0-9 . _ : -, not amq.*)");
        }
        if (servers.isEmpty()) {
            throw bad(url, "HOST:PORT is missing");
        }
        String[] each = servers.split(",", -1);
        if (kind.rabbitMq() && each.length > 1) {
            throw bad(url, "a RabbitMQ target names one HOST:PORT");
        }
        Arrays.stream(each).forEach(s -> checkServer(url, s));
        return new RelayTarget(kind, servers, destination);
    }

    /**
     * The checkpoint name of a relay to this target: {@code kafka-relay:<topic>}, {@code rabbitmq-relay:<stream>} (for
     * both RabbitMQ protocols: they publish the same messages into the same stream, so switching between them resumes
     * where the other stopped).
     */
    public String checkpointName() {
        return (kind.rabbitMq() ? Kind.RABBITMQ.scheme() : kind.scheme()) + "-relay:" + destination;
    }

    /** The host of a single-server target. */
    public String host() {
        String s = servers.split(",")[0];
        String host = s.substring(0, s.lastIndexOf(':'));
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** The port of a single-server target. */
    public int port() {
        String s = servers.split(",")[0];
        return Integer.parseInt(s.substring(s.lastIndexOf(':') + 1));
    }

    private static void checkServer(String url, String server) {
        int colon = server.lastIndexOf(':');
        if (colon <= 0) {
            throw bad(url, "'" + server + "' is not HOST:PORT");
        }
        String host = server.substring(0, colon);
        String port = server.substring(colon + 1);
        if (!HOST.matcher(host).matches()) {
            throw bad(url, "'" + host + "' is not a host name");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw bad(url, "'" + port + "' is not a port (1-65535)");
        }
    }

    private static IllegalArgumentException bad(String url, String why) {
        return new IllegalArgumentException("bad --publish URL '" + url + "': " + why + "; " + EXPECTED);
    }

    /** The URL form. */
    @Override
    public String toString() {
        return kind.scheme() + "://" + servers + "/" + destination;
    }
}
