package dev.hindsight.store.kafka;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Kafka engine passes the whole conformance suite against a real in-process KRaft broker: a fresh topic (3
 * partitions) and index directory per test, so every test starts from an empty store; the engine owns all partitions.
 * This suite runs the {@code partition} writer (ADR 0010); the default {@code node} writer runs it in
 * {@link KafkaEventLogReplicatedIT}, on three brokers.
 */
class KafkaEventLogIT extends EventLogTck {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static Path dir;
    private static KafkaTestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        System.setProperty(KafkaEventLog.WRITER_PROPERTY, "partition");
        dir = Files.createTempDirectory("hindsight-kafka-tck");
        cluster = KafkaTestCluster.shared();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        System.clearProperty(KafkaEventLog.WRITER_PROPERTY);
        KafkaTestCluster.deleteTree(dir);
    }

    @Override
    protected EventLog openEmptyLog() {
        String topic = "tck-" + TOPICS.incrementAndGet();
        return KafkaEventLog.open(KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve("index"))
                .withTopicLayout(3, 1, 1));
    }
}
