package dev.hindsight.store.kafka;

import dev.hindsight.store.kafka.dev.KafkaDevCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * An in-process KRaft cluster for tests on free ports: a {@link KafkaDevCluster} (the launcher behind
 * {@code hindsight kafka-dev}) under a test's directory. Not thread-safe: one test thread starts, stops and closes
 * it.
 */
public final class KafkaTestCluster implements AutoCloseable {
    private final KafkaDevCluster cluster;
    /** The nodes stopped and not started again (a {@link #sharedThree shared} cluster restores them). */
    private final java.util.Set<Integer> stopped = new java.util.TreeSet<>();

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

    /** A cluster shared by the test classes of this JVM, its directory and the hook that deletes it at exit. */
    private record Shared(KafkaTestCluster cluster, Path dir, Thread hook) {}

    /** The shared clusters by size (1 and 3 nodes); guarded by the class. */
    private static final Map<Integer, Shared> SHARED = new java.util.TreeMap<>();

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
    public static KafkaTestCluster shared() throws Exception {
        return sharedOf(1);
    }

    /**
     * One 3-node cluster for every test class of this JVM that needs three brokers (replication, a broker stopped while
     * the others serve), shared like {@link #shared}: its start costs 2-4 s and its close 5-6 s, 5 s of which is the
     * last controller's Raft client waiting out its graceful shutdown (Kafka's fixed 5,000 ms: a voter's graceful
     * shutdown ends at once only if another voter leads, which the last one standing never sees). A class may stop nodes and start
     * them again; {@link #restoreStopped} (in its {@code @AfterEach}) starts whatever a failed test left stopped, so
     * that the next class finds three brokers. Each class keeps to topics of its own names and deletes the many it
     * creates ({@link #deleteTopics}).
     *
     * @throws Exception if the cluster cannot be started
     */
    public static KafkaTestCluster sharedThree() throws Exception {
        return sharedOf(3);
    }

    private static synchronized KafkaTestCluster sharedOf(int size) throws Exception {
        Shared s = SHARED.get(size);
        if (s == null) {
            Path dir = Files.createTempDirectory("hindsight-shared-kafka" + size);
            KafkaTestCluster started = start(dir, size);
            Thread hook = Thread.ofPlatform().unstarted(() -> deleteQuietly(dir));
            Runtime.getRuntime().addShutdownHook(hook);
            s = new Shared(started, dir, hook);
            SHARED.put(size, s);
        }
        return s.cluster();
    }

    /**
     * Closes the {@link #shared} clusters that were started (all at once), and deletes their directories; a later
     * {@link #shared} call starts a new one. Bounded like {@link #close}.
     */
    public static synchronized void closeShared() {
        List<Shared> closing = List.copyOf(SHARED.values());
        SHARED.clear();
        long began = System.nanoTime();
        List<Thread> closers = closing.stream()
                .map(s -> Thread.ofPlatform().name("kafka-shared-close").start(() -> closeShared(s, began)))
                .toList();
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeShared(Shared s, long began) {
        boolean stopped = s.cluster().closeWithin(CLOSE_WAIT);
        System.err.println("KafkaTestCluster.closeShared: shared " + s.cluster().size() + "-node cluster "
                + (stopped ? "stopped" : "still stopping") + " after " + (System.nanoTime() - began) / 1_000_000
                + " ms");
        try {
            Runtime.getRuntime().removeShutdownHook(s.hook());
        } catch (IllegalStateException e) {
            return; // the JVM is already exiting: the hook deletes the directory
        }
        if (stopped) {
            deleteQuietly(s.dir());
        } else {
            Runtime.getRuntime().addShutdownHook(s.hook()); // nodes still running: delete when the JVM exits
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
        stopped.add(i);
    }

    /** Starts a stopped node again on its ports and data, and waits until every running broker is registered. */
    public void restartNode(int i) throws Exception {
        cluster.restartNode(i);
        stopped.remove(i);
    }

    /** {@link #restartNode} without checked exceptions, for parallel restarts; does not wait for registration. */
    public void restartNodeUnchecked(int i) {
        cluster.startNode(i);
        stopped.remove(i);
    }

    /**
     * Starts every node that {@link #stopNode} or {@link #stopAll} stopped and no restart started again, and waits until
     * every broker is registered: a {@link #sharedThree shared} cluster whole again for the next test, whatever the
     * last one left. With no node stopped it only checks the registration (one describe).
     *
     * @throws Exception if a node cannot be started or the brokers do not register in time
     */
    public void restoreStopped() throws Exception {
        for (int i : List.copyOf(stopped)) {
            cluster.startNode(i);
            stopped.remove(i);
        }
        cluster.awaitBrokers(cluster.size());
    }

    /**
     * Deletes every topic whose name starts with {@code prefix} (a class's many topics on a {@link #sharedThree shared}
     * cluster, so that the classes after it do not move their partitions on every broker stop and start).
     *
     * @throws Exception if they cannot be listed or deleted
     */
    public void deleteTopics(String prefix) throws Exception {
        try (Admin admin = Admin.create(clientConfig())) {
            List<String> names = admin.listTopics().names().get().stream()
                    .filter(n -> n.startsWith(prefix))
                    .toList();
            admin.deleteTopics(names).all().get();
        }
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
        for (int i = 0; i < size(); i++) {
            stopped.add(i);
        }
    }

    /** Deletes a directory tree (test clean-up helper). */
    public static void deleteTree(Path root) throws IOException {
        KafkaDevCluster.deleteTree(root);
    }
}
