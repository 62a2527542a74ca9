package dev.hindsight.store.kafka;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of a {@link KafkaEventLog}. Defaults follow the seed: 50 partitions, replication 3,
 * {@code min.insync.replicas=2}, {@code acks=all}, gzip. Immutable, thread-safe.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param topic the store's topic (one topic per store); created with the settings below if missing
 * @param partitions partitions of a topic this store creates
 * @param replicationFactor replication of a topic this store creates
 * @param minInsyncReplicas {@code min.insync.replicas} of a topic this store creates
 * @param compression producer {@code compression.type}: {@code gzip} (the seed's), {@code zstd}, {@code lz4},
 *     {@code snappy} or {@code none}
 * @param indexDir this node's directory for the per-aggregate and event-id indexes ({@code <indexDir>/<topic>/p-N})
 * @param sessionTimeout ownership group session timeout: how long a silent (dead) node keeps its partitions; default
 *     6 s, the brokers' default {@code group.min.session.timeout.ms}
 * @param maxPollInterval how long the ownership thread may stall before the node gives its partitions up
 * @param requestTimeout timeout of one Kafka request, of waiting for ownership or for the index to catch up
 * @param memtableEvents events per partition indexed in memory before they are written as an index run
 * @param clock the clock for {@code recorded_at}
 * @param clientProperties extra properties for every Kafka client (security settings, for example)
 */
public record KafkaOptions(
        String bootstrapServers,
        String topic,
        int partitions,
        short replicationFactor,
        int minInsyncReplicas,
        String compression,
        Path indexDir,
        Duration sessionTimeout,
        Duration maxPollInterval,
        Duration requestTimeout,
        int memtableEvents,
        Clock clock,
        Map<String, Object> clientProperties) {

    public KafkaOptions {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(indexDir, "indexDir");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(maxPollInterval, "maxPollInterval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(clock, "clock");
        clientProperties = Map.copyOf(clientProperties);
        if (partitions < 1 || replicationFactor < 1 || minInsyncReplicas < 1 || memtableEvents < 1) {
            throw new IllegalArgumentException("partitions, replication, min ISR and memtable size must be >= 1");
        }
        if (!topic.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("not a valid topic name: '" + topic + "'");
        }
    }

    /** The seed's defaults for {@code topic} on {@code bootstrapServers}, indexes under {@code indexDir}. */
    public static KafkaOptions defaults(String bootstrapServers, String topic, Path indexDir) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                50,
                (short) 3,
                2,
                "gzip",
                indexDir,
                Duration.ofSeconds(6),
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                100_000,
                Clock.systemUTC(),
                Map.of());
    }

    public KafkaOptions withTopicLayout(int partitions, int replicationFactor, int minInsyncReplicas) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                (short) replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }

    public KafkaOptions withTimeouts(Duration sessionTimeout, Duration maxPollInterval, Duration requestTimeout) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }

    public KafkaOptions withCompression(String compression) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }

    public KafkaOptions withMemtableEvents(int memtableEvents) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }

    public KafkaOptions withIndexDir(Path indexDir) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }

    public KafkaOptions withClock(Clock clock) {
        return new KafkaOptions(
                bootstrapServers,
                topic,
                partitions,
                replicationFactor,
                minInsyncReplicas,
                compression,
                indexDir,
                sessionTimeout,
                maxPollInterval,
                requestTimeout,
                memtableEvents,
                clock,
                clientProperties);
    }
}
