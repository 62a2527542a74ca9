package dev.hindsight.store.kafka.relay;

import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the relay publishes: {@code kafka://HOST:PORT[,HOST:PORT…]/TOPIC}.
 *
 * @param bootstrapServers {@code HOST:PORT[,…]}
 * @param topic a legal Kafka topic name
 */
public record RelayTarget(String bootstrapServers, String topic) {
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern HOST = Pattern.compile("[a-zA-Z0-9.-]+|\\[[0-9a-fA-F:]+]");

    public RelayTarget {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
    }

    /**
     * Parses {@code kafka://HOST:PORT[,HOST:PORT…]/TOPIC}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static RelayTarget parse(String url) {
        String prefix = "kafka://";
        if (!url.startsWith(prefix)) {
            throw bad(url, "it must start with kafka:// (the only queue supported)");
        }
        String rest = url.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw bad(url, "the topic is missing");
        }
        String servers = rest.substring(0, slash);
        String topic = rest.substring(slash + 1);
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw bad(url, "'" + topic + "' is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)");
        }
        if (servers.isEmpty()) {
            throw bad(url, "HOST:PORT is missing");
        }
        Arrays.stream(servers.split(",", -1)).forEach(s -> checkServer(url, s));
        return new RelayTarget(servers, topic);
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
        return new IllegalArgumentException(
                "bad --publish URL '" + url + "': " + why + "; expected kafka://HOST:PORT/TOPIC");
    }

    /** The URL form. */
    @Override
    public String toString() {
        return "kafka://" + bootstrapServers + "/" + topic;
    }
}
