package dev.hindsight.spring;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;

/** The Kafka engine; loaded only when {@code hindsight.store=kafka}. */
final class KafkaEngine {
    private KafkaEngine() {}

    static EventLog open(HindsightProperties p) {
        String servers = p.kafkaBootstrapServers();
        if (servers == null || servers.isBlank()) {
            throw new IllegalStateException("hindsight.store=kafka needs hindsight.kafka-bootstrap-servers");
        }
        return KafkaEventLog.open(
                KafkaOptions.defaults(servers, p.kafkaTopic(), p.directory().resolve("kafka-index"))
                        .withTopicLayout(p.kafkaPartitions(), p.kafkaReplication(), Math.min(2, p.kafkaReplication())));
    }
}
