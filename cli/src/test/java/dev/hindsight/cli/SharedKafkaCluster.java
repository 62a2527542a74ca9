package dev.hindsight.cli;

import dev.hindsight.store.kafka.KafkaTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One in-process 1-broker KRaft cluster for the cli ITs that only need a broker (KafkaServeIT, KafkaCryptoShreddingIT,
 * KafkaRolesIT, RelayIT): started by the first of them, closed and deleted when the test JVM exits. A cluster's start
 * and controlled shutdown cost several seconds per class; every test keeps to topics of its own (fixed names per class
 * or a random suffix), so none sees another's records, groups or transactional ids. Tests that stop, kill or resize
 * brokers start their own.
 */
final class SharedKafkaCluster {
    private static KafkaTestCluster cluster;

    private SharedKafkaCluster() {}

    static synchronized KafkaTestCluster get() throws Exception {
        if (cluster == null) {
            Path dir = Files.createTempDirectory("hindsight-cli-kafka");
            KafkaTestCluster started = KafkaTestCluster.start(dir, 1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                started.close();
                try {
                    KafkaTestCluster.deleteTree(dir);
                } catch (IOException e) {
                    System.err.println("SharedKafkaCluster: could not delete " + dir + ": " + e);
                }
            }));
            cluster = started;
        }
        return cluster;
    }
}
