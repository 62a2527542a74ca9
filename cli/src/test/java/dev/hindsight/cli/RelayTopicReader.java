package dev.hindsight.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * An ordinary Kafka consumer of a relayed topic for tests: reads every partition from the beginning and keeps what it
 * saw, de-duplicating by the {@code event_id} header as the relay's consumers are told to. Not thread-safe.
 */
final class RelayTopicReader implements AutoCloseable {
    /** One record as seen. */
    record Seen(String aggregateId, long version, String eventId, String eventType, String value) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<Seen> all = new ArrayList<>();
    private final Set<String> ids = new LinkedHashSet<>();
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

    /** Polls until {@code done} holds for the distinct event ids seen, or the timeout passes; returns whether it held. */
    boolean pollUntil(Predicate<Set<String>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(ids)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll();
        }
        return true;
    }

    private void poll() {
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
            all.add(s);
            ids.add(s.eventId());
        }
    }

    /** Every record seen, duplicates included, in the order read (per partition: the topic's order). */
    List<Seen> all() {
        return all;
    }

    /** Distinct event ids seen. */
    Set<String> ids() {
        return ids;
    }

    /** Per aggregate, the event ids in the order of their first appearance (duplicates dropped). */
    Map<String, List<String>> firstSeenByAggregate() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Seen s : all) {
            if (seen.add(s.eventId())) {
                out.computeIfAbsent(s.aggregateId(), a -> new ArrayList<>()).add(s.eventId());
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
