package dev.hindsight.store.kafka;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite on the seed's production shape: a real 3-broker KRaft cluster, every topic replicated
 * 3 times with {@code min.insync.replicas=2} and {@code acks=all}, so that each append is acknowledged only once two
 * brokers hold it. The cluster is the {@link KafkaTestCluster#sharedThree shared} one. A fresh topic (3 partitions, created while the test before runs: {@link NextTopics}) and index
 * directory per test; the engine owns all partitions.
 */
class KafkaEventLogReplicatedIT extends EventLogTck {
    private static Path dir;
    private static KafkaTestCluster cluster;
    private static NextTopics topics;

    @BeforeAll
    static void startCluster() throws Exception {
        // 16 writers on one aggregate are 2,400 replicated transactions on one partition, one after another
        System.setProperty(WORK_SCALE_PROPERTY, "4");
        dir = Files.createTempDirectory("hindsight-kafka-tck3");
        cluster = KafkaTestCluster.sharedThree();
        topics = new NextTopics(
                "tck3-",
                topic -> KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve("index"))
                        .withTopicLayout(3, 3, 2));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        System.clearProperty(WORK_SCALE_PROPERTY);
        try {
            topics.close();
            cluster.deleteTopics("tck3-"); // ~250 partitions the classes after this one need not move on a broker stop
        } finally {
            KafkaTestCluster.deleteTree(dir);
        }
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        return KafkaEventLog.open(topics.take());
    }
}
