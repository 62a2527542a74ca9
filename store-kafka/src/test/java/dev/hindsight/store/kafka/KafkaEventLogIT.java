package dev.hindsight.store.kafka;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Kafka engine passes the whole conformance suite against a real in-process KRaft broker: a fresh topic (3
 * partitions, created while the test before runs: {@link NextTopics}) and index directory per test, so every test
 * starts from an empty store; the engine owns all partitions. This suite runs the {@code partition} writer (ADR 0010);
 * the default {@code node} writer runs it in {@link KafkaEventLogReplicatedIT}, on three brokers.
 */
class KafkaEventLogIT extends EventLogTck {
    private static Path dir;
    private static KafkaTestCluster cluster;
    private static NextTopics topics;

    @BeforeAll
    static void startCluster() throws Exception {
        System.setProperty(KafkaEventLog.WRITER_PROPERTY, "partition");
        dir = Files.createTempDirectory("hindsight-kafka-tck");
        cluster = KafkaTestCluster.shared();
        topics = new NextTopics(
                "tck-",
                topic -> KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve("index"))
                        .withTopicLayout(3, 1, 1));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        System.clearProperty(KafkaEventLog.WRITER_PROPERTY);
        topics.close();
        KafkaTestCluster.deleteTree(dir);
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        return KafkaEventLog.open(topics.take());
    }
}
