package dev.hindsight.store.kafka;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.kafka.internal.TopicSetup;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite on the seed's production shape: a real 3-broker KRaft cluster, every topic replicated
 * 3 times with {@code min.insync.replicas=2} and {@code acks=all}, so that each append is acknowledged only once two
 * brokers hold it. A fresh topic (3 partitions) and index directory per test; the engine owns all partitions.
 *
 * <p>Each test's topic is created while the test before it runs (by the engine's own {@link TopicSetup}, on a
 * background thread): creating a replicated topic and waiting for its leaders takes 60-110 ms on the 2-core box, 80
 * times per run. The engine's open still checks the topic and takes its partition count, as it does for any topic
 * that exists before the store first opens.
 */
class KafkaEventLogReplicatedIT extends EventLogTck {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static Path dir;
    private static KafkaTestCluster cluster;
    private static ExecutorService topicCreator;
    private static Future<KafkaOptions> nextTopic;

    @BeforeAll
    static void startCluster() throws Exception {
        // 16 writers on one aggregate are 2,400 replicated transactions on one partition, one after another
        System.setProperty(WORK_SCALE_PROPERTY, "4");
        dir = Files.createTempDirectory("hindsight-kafka-tck3");
        cluster = KafkaTestCluster.start(dir.resolve("cluster"), 3);
        topicCreator = Executors.newSingleThreadExecutor();
        nextTopic = createNextTopic();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        System.clearProperty(WORK_SCALE_PROPERTY);
        try {
            topicCreator.shutdownNow();
            topicCreator.awaitTermination(30, TimeUnit.SECONDS);
            cluster.close();
        } finally {
            KafkaTestCluster.deleteTree(dir);
        }
    }

    /** Starts creating the next test's topic, with the layout the engine would create it with. */
    private static Future<KafkaOptions> createNextTopic() {
        KafkaOptions options = KafkaOptions.defaults(
                        cluster.bootstrapServers(), "tck3-" + TOPICS.incrementAndGet(), dir.resolve("index"))
                .withTopicLayout(3, 3, 2);
        return topicCreator.submit(() -> {
            TopicSetup.ensureTopic(options, "tck3-next-topic");
            return options;
        });
    }

    @Override
    protected EventLog openEmptyLog() throws Exception {
        KafkaOptions options = nextTopic.get(60, TimeUnit.SECONDS);
        nextTopic = createNextTopic();
        return KafkaEventLog.open(options);
    }
}
