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

    /** A builder holding {@link #defaults the seed's defaults} for {@code topic} on {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers, String topic, Path indexDir) {
        return defaults(bootstrapServers, topic, indexDir).toBuilder();
    }

    /** A builder holding these options, to change several at once. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public KafkaOptions withTopicLayout(int partitions, int replicationFactor, int minInsyncReplicas) {
        return toBuilder()
                .topicLayout(partitions, replicationFactor, minInsyncReplicas)
                .build();
    }

    public KafkaOptions withTimeouts(Duration sessionTimeout, Duration maxPollInterval, Duration requestTimeout) {
        return toBuilder()
                .timeouts(sessionTimeout, maxPollInterval, requestTimeout)
                .build();
    }

    public KafkaOptions withCompression(String compression) {
        return toBuilder().compression(compression).build();
    }

    public KafkaOptions withMemtableEvents(int memtableEvents) {
        return toBuilder().memtableEvents(memtableEvents).build();
    }

    public KafkaOptions withIndexDir(Path indexDir) {
        return toBuilder().indexDir(indexDir).build();
    }

    public KafkaOptions withClock(Clock clock) {
        return toBuilder().clock(clock).build();
    }

    /** These options with {@code clientProperties} instead of the current extra client properties. */
    public KafkaOptions withClientProperties(Map<String, ?> clientProperties) {
        return toBuilder().clientProperties(clientProperties).build();
    }

    /**
     * Mutable options, checked when {@link #build() built}; the parameters mean what the record's components mean. Not
     * thread-safe.
     */
    public static final class Builder {
        private String bootstrapServers;
        private String topic;
        private int partitions;
        private short replicationFactor;
        private int minInsyncReplicas;
        private String compression;
        private Path indexDir;
        private Duration sessionTimeout;
        private Duration maxPollInterval;
        private Duration requestTimeout;
        private int memtableEvents;
        private Clock clock;
        private Map<String, Object> clientProperties;

        private Builder(KafkaOptions from) {
            this.bootstrapServers = from.bootstrapServers;
            this.topic = from.topic;
            this.partitions = from.partitions;
            this.replicationFactor = from.replicationFactor;
            this.minInsyncReplicas = from.minInsyncReplicas;
            this.compression = from.compression;
            this.indexDir = from.indexDir;
            this.sessionTimeout = from.sessionTimeout;
            this.maxPollInterval = from.maxPollInterval;
            this.requestTimeout = from.requestTimeout;
            this.memtableEvents = from.memtableEvents;
            this.clock = from.clock;
            this.clientProperties = from.clientProperties;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /**
         * Partitions, replication and {@code min.insync.replicas} of a topic this store creates.
         *
         * @throws IllegalArgumentException if {@code replicationFactor} is above {@value Short#MAX_VALUE}
         */
        public Builder topicLayout(int partitions, int replicationFactor, int minInsyncReplicas) {
            if (replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("replication must be at most " + Short.MAX_VALUE);
            }
            this.partitions = partitions;
            this.replicationFactor = (short) replicationFactor;
            this.minInsyncReplicas = minInsyncReplicas;
            return this;
        }

        public Builder timeouts(Duration sessionTimeout, Duration maxPollInterval, Duration requestTimeout) {
            this.sessionTimeout = sessionTimeout;
            this.maxPollInterval = maxPollInterval;
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder compression(String compression) {
            this.compression = compression;
            return this;
        }

        public Builder indexDir(Path indexDir) {
            this.indexDir = indexDir;
            return this;
        }

        public Builder memtableEvents(int memtableEvents) {
            this.memtableEvents = memtableEvents;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Extra properties for every Kafka client (security settings, {@code batch.size}, …), replacing the current. */
        public Builder clientProperties(Map<String, ?> clientProperties) {
            this.clientProperties = Map.copyOf(clientProperties);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if a value is out of range (as the record's constructor checks)
         */
        public KafkaOptions build() {
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
}
