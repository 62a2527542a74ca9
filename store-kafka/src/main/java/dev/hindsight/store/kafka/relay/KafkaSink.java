package dev.hindsight.store.kafka.relay;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.store.kafka.internal.RecordCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's Kafka sink: one idempotent producer ({@code acks=all}, up to 5 requests in flight, which it keeps in
 * order per partition) sending each event as the Kafka engine's own record (key = aggregate id, value = the event
 * JSON, headers {@code event_type}, {@code version}, {@code event_id}). Not thread-safe: the relay's thread only.
 */
public final class KafkaSink implements RelaySink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

    private final RelayTarget target;
    private final KafkaProducer<byte[], byte[]> producer;

    private KafkaSink(RelayTarget target) {
        this.target = target;
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, target.servers());
        c.put(CommonClientConfigs.CLIENT_ID_CONFIG, "hindsight-relay-" + target.destination());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        this.producer = new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sinks to {@code target}, a {@code kafka://} target. */
    public static RelaySink.Factory factory(RelayTarget target) {
        if (target.kind() != RelayTarget.Kind.KAFKA) {
            throw new IllegalArgumentException("not a Kafka target: " + target);
        }
        return () -> new KafkaSink(target);
    }

    /** Creates the topic (with the brokers' default partitions and replication) if it does not exist. */
    @Override
    public void prepare() {
        Map<String, Object> c = Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                target.servers(),
                CommonClientConfigs.CLIENT_ID_CONFIG,
                "hindsight-relay-admin");
        try (Admin admin = Admin.create(c)) {
            admin.createTopics(List.of(new NewTopic(target.destination(), Optional.empty(), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            LOG.info("created topic {} for the relay", target.destination());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn(
                        "cannot create topic {} (publishing anyway): {}",
                        target.destination(),
                        String.valueOf(e.getCause()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | java.util.concurrent.TimeoutException e) {
            LOG.warn("cannot create topic {} (publishing anyway): {}", target.destination(), e.toString());
        }
    }

    @Override
    public Future<?> send(RecordedEvent event) {
        return producer.send(RecordCodec.encode(target.destination(), event));
    }

    @Override
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
