package dev.hindsight.store.kafka;

import dev.hindsight.store.kafka.dev.KafkaDevCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An in-process KRaft cluster for tests on free ports: a {@link KafkaDevCluster} (the launcher behind
 * {@code hindsight kafka-dev}) under a test's directory. Not thread-safe: one test thread starts, stops and closes
 * it.
 */
public final class KafkaTestCluster implements AutoCloseable {
    private final KafkaDevCluster cluster;

    private KafkaTestCluster(KafkaDevCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Formats and starts a cluster of {@code size} nodes under {@code dir} and waits until every broker is registered.
     *
     * @throws Exception if a node cannot be formatted or started in time
     */
    public static KafkaTestCluster start(Path dir, int size) throws Exception {
        return new KafkaTestCluster(KafkaDevCluster.start(dir, size, 0));
    }

    private static @Nullable KafkaTestCluster shared;

    /**
     * One 1-broker cluster for every test class of this JVM that only needs a broker: started by the first caller,
     * closed and deleted when the JVM exits; never close it. A cluster's start and controlled shutdown cost seconds per
     * class; each class keeps to topics (and so groups and transactional ids) of its own names. Tests that stop, kill
     * or resize brokers, or need other broker settings, {@link #start} their own.
     *
     * @throws Exception if the cluster cannot be started
     */
    public static synchronized KafkaTestCluster shared() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("hindsight-shared-kafka");
            KafkaTestCluster started = start(dir, 1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                started.close();
                try {
                    deleteTree(dir);
                } catch (IOException e) {
                    System.err.println("KafkaTestCluster.shared: could not delete " + dir + ": " + e);
                }
            }));
            shared = started;
        }
        return shared;
    }

    /** Bootstrap servers, {@code 127.0.0.1:port} of every node, comma-separated. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public int size() {
        return cluster.size();
    }

    /** Shuts node {@code i} down (controlled) and waits until it has stopped. */
    public void stopNode(int i) {
        cluster.stopNode(i);
    }

    /** Starts a stopped node again on its ports and data, and waits until every running broker is registered. */
    public void restartNode(int i) throws Exception {
        cluster.restartNode(i);
    }

    /** {@link #restartNode} without checked exceptions, for parallel restarts; does not wait for registration. */
    public void restartNodeUnchecked(int i) {
        cluster.startNode(i);
    }

    /** Admin client properties for this cluster. */
    public Map<String, Object> clientConfig() {
        return cluster.clientConfig();
    }

    /**
     * Shuts every running node down in parallel and deletes nothing (the caller owns {@code dir}). Gives up after
     * {@link #CLOSE_WAIT}: a node's controlled shutdown can wait up to five minutes for a controller that is itself
     * stopping (seen once in CI's store-kafka run); the test is over by then, so the nodes are left to die with the
     * test JVM instead of holding the suite's time budget.
     */
    @Override
    public void close() {
        Thread stopping = Thread.ofPlatform()
                .daemon(true)
                .name("kafka-test-cluster-close")
                .start(cluster::close);
        try {
            stopping.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopping.isAlive()) {
            System.err.println("KafkaTestCluster: nodes still shutting down after " + CLOSE_WAIT
                    + "; leaving them to the end of the test JVM");
        }
    }

    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(45);

    /** Shuts every running node down in parallel; {@link #restartNode} starts them again. */
    public void stopAll() {
        cluster.stopAll();
    }

    /** Deletes a directory tree (test clean-up helper). */
    public static void deleteTree(Path root) throws IOException {
        KafkaDevCluster.deleteTree(root);
    }
}
