package dev.hindsight.store.kafka;

import dev.hindsight.store.kafka.dev.KafkaDevCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

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
    private static @Nullable Path sharedDir;
    private static @Nullable Thread sharedHook;

    /**
     * One 1-broker cluster for every test class of this JVM that only needs a broker: started by the first caller and
     * closed by {@link #closeShared} when the test plan has run ({@link CloseSharedAtEnd}, registered as a JUnit
     * Platform listener in this module's test jar); never close it yourself. A cluster's start and controlled shutdown
     * cost seconds per class; each class keeps to topics (and so groups and transactional ids) of its own names. Tests
     * that stop, kill or resize brokers, or need other broker settings, {@link #start} their own.
     *
     * <p>The cluster is not closed in a JVM shutdown hook: a controlled shutdown can outlast the test fork's exit
     * timeout, and a fork killed while exiting fails the build after every test passed (CI, stop 31). The shutdown hook
     * left in place only deletes the directory if the listener never ran.
     *
     * @throws Exception if the cluster cannot be started
     */
    public static synchronized KafkaTestCluster shared() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("hindsight-shared-kafka");
            KafkaTestCluster started = start(dir, 1);
            Thread hook = Thread.ofPlatform().unstarted(() -> deleteQuietly(dir));
            Runtime.getRuntime().addShutdownHook(hook);
            shared = started;
            sharedDir = dir;
            sharedHook = hook;
        }
        return shared;
    }

    /**
     * Closes the {@link #shared} cluster, if one was started, and deletes its directory; a later {@link #shared} call
     * starts a new one. Bounded like {@link #close}.
     */
    public static synchronized void closeShared() {
        KafkaTestCluster closing = shared;
        Path dir = sharedDir;
        Thread hook = sharedHook;
        shared = null;
        sharedDir = null;
        sharedHook = null;
        if (closing == null || dir == null) {
            return;
        }
        long began = System.nanoTime();
        boolean stopped = closing.closeWithin(CLOSE_WAIT);
        System.err.println("KafkaTestCluster.closeShared: shared cluster " + (stopped ? "stopped" : "still stopping")
                + " after " + (System.nanoTime() - began) / 1_000_000 + " ms");
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                return; // the JVM is already exiting: the hook deletes the directory
            }
        }
        if (stopped) {
            deleteQuietly(dir);
        } else if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook); // nodes still running: delete when the JVM exits
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            System.err.println("KafkaTestCluster.shared: could not delete " + dir + ": " + e);
        }
    }

    /**
     * The JUnit Platform listener that closes the {@link #shared} cluster when a test plan has run, inside the test
     * run rather than in the JVM's exit (registered through {@code META-INF/services}).
     */
    public static final class CloseSharedAtEnd implements TestExecutionListener {
        @Override
        public void testPlanExecutionFinished(TestPlan testPlan) {
            closeShared();
        }
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
     * Shuts every running node down ({@link KafkaDevCluster#stopAll}: brokers, then controllers) and deletes nothing
     * (the caller owns {@code dir}). Gives up after {@link #CLOSE_WAIT}, a safety bound: a broker's controlled
     * shutdown once waited here for a controller that was itself stopping (49 s of {@code KafkaTestClusterIT} in CI);
     * {@code KafkaDevCluster} now bounds that wait itself ({@link KafkaDevCluster#APPROVAL_WAIT}). Past the bound the
     * nodes are left to die with the test JVM instead of holding the suite's time budget.
     */
    @Override
    public void close() {
        closeWithin(CLOSE_WAIT);
    }

    /** {@link #close}, waiting at most {@code wait}; true if every node stopped in time. */
    private boolean closeWithin(java.time.Duration wait) {
        Thread stopping = Thread.ofPlatform()
                .daemon(true)
                .name("kafka-test-cluster-close")
                .start(cluster::close);
        try {
            stopping.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopping.isAlive()) {
            System.err.println("KafkaTestCluster: nodes still shutting down after " + wait
                    + "; leaving them to the end of the test JVM");
            return false;
        }
        return true;
    }

    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(45);

    /** Shuts every running node down ({@link KafkaDevCluster#stopAll}); {@link #restartNode} starts them again. */
    public void stopAll() {
        cluster.stopAll();
    }

    /** Deletes a directory tree (test clean-up helper). */
    public static void deleteTree(Path root) throws IOException {
        KafkaDevCluster.deleteTree(root);
    }
}
