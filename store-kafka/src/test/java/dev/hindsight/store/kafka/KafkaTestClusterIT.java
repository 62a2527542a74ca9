package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test cluster itself: one node starts, takes a topic, and a record round-trips; then it shuts down. Closing a
 * 3-node cluster with a node stopped, or with the controller quorum already gone, takes seconds: a broker's controlled
 * shutdown waits for the controllers' approval, which never comes once a majority of them has stopped (before, that
 * wait ran into {@code KafkaTestCluster}'s 45-s close bound, and into Kafka's 5 minutes for {@code kafka-dev}).
 */
class KafkaTestClusterIT {
    /** A close that waited for an approval in vain takes the close bound (45 s); a normal one takes 1 to 3 s. */
    private static final Duration CLOSE_IN = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void start_oneNode_roundTripsARecordAndShutsDown() throws Exception {
        long t0 = System.nanoTime();
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir, 1)) {
            System.out.printf("1-node start: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            try (Admin admin = Admin.create(cluster.clientConfig())) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1)))
                        .all()
                        .get();
            }
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, String> p =
                    new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>("t", "k", "v")).get();
            }
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            try (KafkaConsumer<String, String> c =
                    new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
                TopicPartition tp = new TopicPartition("t", 0);
                c.assign(Set.of(tp));
                c.seek(tp, 0);
                List<ConsumerRecord<String, String>> got =
                        c.poll(Duration.ofSeconds(10)).records(tp);
                assertThat(got).extracting(ConsumerRecord::value).containsExactly("v");
            }
            assertThat(Map.of("size", cluster.size())).containsEntry("size", 1);
            t0 = System.nanoTime();
        }
        System.out.printf("1-node shutdown: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void start_threeNodes_registersAllAndSurvivesStoppingOne_andClosesInSeconds() throws Exception {
        long t0 = System.nanoTime();
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir, 3)) {
            System.out.printf("3-node start: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            try (Admin admin = Admin.create(cluster.clientConfig())) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
                cluster.stopNode(2);
                admin.createTopics(List.of(new NewTopic("t3", 1, (short) 2)))
                        .all()
                        .get();
                // the new topic's metadata reaches the broker that answers the describe a moment later
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                List<org.apache.kafka.common.Node> replicas = null;
                while (replicas == null) {
                    try {
                        replicas = admin.describeTopics(List.of("t3"))
                                .allTopicNames()
                                .get()
                                .get("t3")
                                .partitions()
                                .getFirst()
                                .replicas();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                                || System.nanoTime() > deadline) {
                            throw e;
                        }
                        Thread.sleep(100);
                    }
                }
                assertThat(replicas).hasSize(2);
            }
            t0 = System.nanoTime();
        }
        Duration closed = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("3-node shutdown (node 2 stopped before): %d ms%n", closed.toMillis());
        assertThat(closed).as("close of the two nodes left").isLessThan(CLOSE_IN);
    }

    @Test
    void close_threeNodesWithTheQuorumGone_finishesInSeconds() throws Exception {
        KafkaTestCluster cluster = KafkaTestCluster.start(dir, 3);
        long t0;
        try (cluster) {
            cluster.stopNode(2);
            cluster.stopNode(1); // node 0's controller is alone: no quorum approves its broker's controlled shutdown
            t0 = System.nanoTime();
        }
        Duration closed = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("3-node shutdown (nodes 1 and 2 stopped before): %d ms%n", closed.toMillis());
        assertThat(closed).as("close of the last node").isLessThan(CLOSE_IN);
    }
}
