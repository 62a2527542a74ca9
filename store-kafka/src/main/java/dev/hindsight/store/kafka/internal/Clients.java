package dev.hindsight.store.kafka.internal;

import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Creates the engine's Kafka clients from its options. Stateless, thread-safe. */
public final class Clients {
    private Clients() {}

    /**
     * A {@code read_committed} consumer without a group, for manual assignment.
     *
     * @param maxWaitMs {@code fetch.max.wait.ms}: short for point reads (a consumer pipelines its next fetch, and a
     *     seek waits for that parked fetch to come back), longer for the indexer that follows the partitions' ends
     * @param maxPartitionBytes {@code max.partition.fetch.bytes} (the broker still returns a first batch larger than
     *     it): small for point reads, which seek to one offset and want a few records, not the default megabyte after
     *     it (fetched, decompressed and dropped on every aggregate read that missed the cache)
     */
    public static KafkaConsumer<byte[], byte[]> reader(
            KafkaOptions o, String clientId, int maxWaitMs, int maxPartitionBytes) {
        Map<String, Object> c = common(o, clientId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, maxWaitMs);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxPartitionBytes);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The consumer group whose assignment decides which node writes which partition. */
    public static String ownerGroup(KafkaOptions o) {
        return "hindsight-owners-" + o.topic();
    }

    /** The ownership group's member: it never reads records, its assignment is what this node may write. */
    public static KafkaConsumer<byte[], byte[]> owner(KafkaOptions o, String clientId) {
        return member(o, clientId, ownerGroup(o));
    }

    /**
     * A member of consumer group {@code group} that never reads records (its partitions are paused): its assignment is
     * what its process works on. Cooperative sticky assignment, the options' session timeout and poll interval.
     */
    public static KafkaConsumer<byte[], byte[]> member(KafkaOptions o, String clientId, String group) {
        Map<String, Object> c = common(o, clientId);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) o.sessionTimeout().toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int)
                Math.max(100, o.sessionTimeout().toMillis() / 4));
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int)
                o.maxPollInterval().toMillis());
        c.put(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * One of the transactional producers of one partition's writer: {@code transactional.id} = store topic + partition
     * (+ slot after the first), the same on every node, so that a new owner's {@code initTransactions()} on every slot
     * fences all of a previous owner's producers.
     */
    public static KafkaProducer<byte[], byte[]> writer(KafkaOptions o, int partition, int slot, String clientId) {
        return nodeWriter(o, transactionalId(o.topic(), partition, slot), clientId);
    }

    /**
     * A transactional producer of a {@link NodeWriter}: {@code transactional.id} unique to the node (its fence is the
     * ownership group's generation, not the id), or a producer that only initializes another node's id to end its
     * transaction ({@link HangingTransactions}).
     */
    public static KafkaProducer<byte[], byte[]> nodeWriter(KafkaOptions o, String transactionalId, String clientId) {
        return transactional(o, transactionalId, clientId, o.requestTimeout());
    }

    /**
     * A producer that only initializes another writer's {@code transactional.id} to end its transaction
     * ({@link HangingTransactions}), its {@code initTransactions()} bounded by {@code maxBlock} (what is left of a
     * takeover's budget) instead of the request timeout.
     */
    public static KafkaProducer<byte[], byte[]> fencer(
            KafkaOptions o, String transactionalId, String clientId, Duration maxBlock) {
        return transactional(o, transactionalId, clientId, maxBlock);
    }

    private static KafkaProducer<byte[], byte[]> transactional(
            KafkaOptions o, String transactionalId, String clientId, Duration maxBlock) {
        Map<String, Object> c = common(o, clientId);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, o.compression());
        // linger 0 unless the options' client properties say otherwise (a benchmark A/B): a batch's records are
        // flushed at its commit anyway
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        // back-to-back transactions: the next one retries (CONCURRENT_TRANSACTIONS) while the last one's markers are
        // written; the default 100 ms backoff dominated an append's latency
        c.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
        // and keep those retries short: the exponential backoff's 1 s ceiling made a busy transaction wait for a second
        c.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
        int timeout = (int) o.requestTimeout().toMillis();
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.max(1, Math.min(timeout, maxBlock.toMillis())));
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeout);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
        WriterStats.producerCreated();
        return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The start of every node writer's {@code transactional.id} for {@code topic}. */
    public static String nodeTransactionalIdPrefix(String topic) {
        return "hindsight-" + topic + "-node-";
    }

    /**
     * The {@code transactional.id} of slot {@code slot} of the writer of {@code partition}: the same on every node, so
     * owners fence (slot 0 keeps the id of stores written before there were slots).
     */
    public static String transactionalId(String topic, int partition, int slot) {
        return "hindsight-" + topic + "-" + partition + (slot == 0 ? "" : "-t" + slot);
    }

    /** Properties for an admin client. */
    public static Map<String, Object> admin(KafkaOptions o, String clientId) {
        return common(o, clientId);
    }

    private static Map<String, Object> common(KafkaOptions o, String clientId) {
        Map<String, Object> c = new HashMap<>(o.clientProperties());
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers());
        c.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        c.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int)
                o.requestTimeout().toMillis());
        c.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, (int)
                Math.min(o.requestTimeout().toMillis(), 10_000));
        return c;
    }
}
