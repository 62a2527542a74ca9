package dev.hindsight.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * An ordinary Kafka consumer of a relayed topic for tests: reads every partition from the beginning (the event id is
 * the {@code event_id} header). Not thread-safe.
 */
final class RelayTopicReader extends RelayReader {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private boolean assigned;

    RelayTopicReader(String bootstrap, String topic) {
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @Override
    void poll() {
        if (!assigned) {
            List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (parts == null || parts.isEmpty()) {
                sleep();
                return;
            }
            List<TopicPartition> tps = parts.stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            assigned = true;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            Seen s = new Seen(
                    new String(r.key(), StandardCharsets.UTF_8),
                    Long.parseLong(header(r, "version")),
                    header(r, "event_id"),
                    header(r, "event_type"),
                    new String(r.value(), StandardCharsets.UTF_8));
            saw(s);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
