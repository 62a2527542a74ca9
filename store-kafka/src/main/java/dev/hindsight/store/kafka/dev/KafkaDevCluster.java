package dev.hindsight.store.kafka.dev;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.jspecify.annotations.Nullable;

/**
 * A local KRaft cluster in this JVM: {@code n} combined broker+controller nodes on 127.0.0.1, formatted with
 * {@code kafka.tools.StorageTool} and started as {@link KafkaRaftServer}s. Nodes start in parallel; {@link #stopAll}
 * shuts every broker down first (controlled, in parallel) and then the controllers, and a broker waits at most
 * {@link #APPROVAL_WAIT} for the controllers' approval of its controlled shutdown, none if a majority of them has
 * stopped already (see {@link #stopNode}). Internal topics are sized
 * for one machine (few partitions, replication {@code min(3, n)}, {@code min.insync.replicas} {@code min(2, n)});
 * groups join without the initial rebalance delay and allow 1 s session timeouts; topics are never auto-created.
 *
 * <p>The data directory keeps the cluster: {@value #STATE_FILE} records its id, size and controller ports, so starting
 * again on the same directory reopens the same cluster with its topics (broker ports may change). Layout:
 * {@code node-<i>/} (log dirs) and {@code node-<i>.properties} (the node's configuration) per node.
 *
 * <p>{@link #startOne} runs a single node of such a cluster, so that each node can be its own process (and be
 * killed on its own): every process is given the same size, data directory and first port; the broker ports are
 * {@code port + i} and the controller ports {@code port + size + i}. The first process to start creates the state file
 * (under a file lock on {@value #LOCK_FILE}), the others read it.
 *
 * <p>Not thread-safe: one thread starts, stops and closes it.
 */
public final class KafkaDevCluster implements AutoCloseable {
    /** The file in the data directory that identifies the cluster. */
    public static final String STATE_FILE = "kafka-dev.properties";

    /** The file locked while a node of a one-node-per-process cluster creates or reads the state and formats. */
    public static final String LOCK_FILE = "kafka-dev.lock";

    private static final Duration READY = Duration.ofSeconds(60);

    /**
     * How long a broker's controlled shutdown waits for the controllers' approval before the broker shuts down
     * without it (Kafka's own wait is 5 minutes). With a controller quorum running the approval comes within a few
     * heartbeats (about a second here); without one it never comes.
     */
    public static final Duration APPROVAL_WAIT = Duration.ofSeconds(10);

    private final Path dir;
    private final int size;
    private final String clusterId;
    private final int[] brokerPorts;
    private final int[] controllerPorts;
    private final @Nullable KafkaRaftServer[] nodes;
    /** Whether this object runs every node ({@link #start}), not one node of a cluster of processes. */
    private boolean wholeCluster = true;

    private KafkaDevCluster(Path dir, int size, String clusterId, int[] brokerPorts, int[] controllerPorts) {
        this.dir = dir;
        this.size = size;
        this.clusterId = clusterId;
        this.brokerPorts = brokerPorts;
        this.controllerPorts = controllerPorts;
        this.nodes = new KafkaRaftServer[size];
    }

    /**
     * Starts a cluster of {@code size} nodes in {@code dir} (formatting it first if it holds none) and waits until
     * every broker is registered.
     *
     * @param firstPort the first broker's port, the others following it; 0 picks free ports
     * @throws IllegalArgumentException if {@code dir} holds a cluster of another size, or a port is taken
     * @throws Exception if a node cannot be formatted or started in time
     */
    public static KafkaDevCluster start(Path dir, int size, int firstPort) throws Exception {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least 1 broker, not " + size);
        }
        if (firstPort < 0 || firstPort + size - 1 > 65535) {
            throw new IllegalArgumentException("port " + firstPort + " is out of range (0 picks free ports)");
        }
        Files.createDirectories(dir);
        Properties state = loadState(dir);
        KafkaDevCluster cluster;
        if (state == null) {
            int[] free = freePorts(2 * size);
            int[] brokers = firstPort == 0 ? Arrays.copyOf(free, size) : consecutive(firstPort, size);
            int[] controllers = Arrays.copyOfRange(free, size, 2 * size);
            cluster = new KafkaDevCluster(dir, size, Uuid.randomUuid().toString(), brokers, controllers);
        } else {
            int[] controllers = storedControllers(dir, state, size);
            int[] brokers = firstPort == 0 ? freePorts(size) : consecutive(firstPort, size);
            cluster = new KafkaDevCluster(dir, size, state.getProperty("cluster.id"), brokers, controllers);
        }
        cluster.checkPortsFree(-1);
        try {
            cluster.format(IntStream.range(0, size).boxed().toList());
            cluster.parallel(IntStream.range(0, size).boxed().toList(), i -> {
                cluster.startNode(i);
                return null;
            });
            cluster.awaitBrokers(size);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts node {@code node} of a {@code size}-node cluster in {@code dir}, the other nodes being other processes
     * (or later calls) on the same directory and first port. Returns once the node has started; the cluster serves
     * clients once a majority of its nodes runs.
     *
     * @param firstPort the first broker's port (not 0: the nodes find each other by it); broker {@code i} listens on
     *     {@code firstPort + i}, its controller on {@code firstPort + size + i}
     * @throws IllegalArgumentException if {@code node} is out of range, the port is 0 or out of range, {@code dir} holds
     *     a cluster of another size, or the node's ports are taken
     * @throws Exception if the node cannot be formatted or started
     */
    public static KafkaDevCluster startOne(Path dir, int size, int node, int firstPort) throws Exception {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least 1 broker, not " + size);
        }
        if (node < 0 || node >= size) {
            throw new IllegalArgumentException("node must be between 0 and " + (size - 1) + ", not " + node);
        }
        if (firstPort <= 0 || firstPort + 2 * size - 1 > 65535) {
            throw new IllegalArgumentException("one node per process needs a fixed first port (the nodes find each"
                    + " other by it: brokers on port+i, controllers on port+" + size + "+i), not " + firstPort);
        }
        Files.createDirectories(dir);
        KafkaDevCluster cluster;
        try (FileChannel lockFile =
                FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockFile.lock(); // also released when the channel closes
            Properties state = loadState(dir);
            int[] controllers;
            String clusterId;
            if (state == null) {
                controllers = consecutive(firstPort + size, size);
                clusterId = Uuid.randomUuid().toString();
            } else {
                controllers = storedControllers(dir, state, size);
                clusterId = state.getProperty("cluster.id");
            }
            cluster = new KafkaDevCluster(dir, size, clusterId, consecutive(firstPort, size), controllers);
            cluster.wholeCluster = false;
            cluster.checkPortsFree(node);
            cluster.format(List.of(node));
            lock.release();
        }
        try {
            cluster.startNode(node);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Bootstrap servers, {@code 127.0.0.1:port} of every node, comma-separated. */
    public String bootstrapServers() {
        return IntStream.range(0, size)
                .mapToObj(i -> "127.0.0.1:" + brokerPorts[i])
                .collect(Collectors.joining(","));
    }

    /** The number of nodes. */
    public int size() {
        return size;
    }

    /** The data directory. */
    public Path dataDir() {
        return dir;
    }

    /**
     * Shuts node {@code i} down and waits until it has stopped: its broker first, controlled (its leaderships move to
     * the other brokers), then its controller. The controlled shutdown waits at most {@link #APPROVAL_WAIT} for the
     * controllers' approval, and not at all when this object runs every node and a majority of them has stopped
     * already (no quorum is left to approve it: nodes 1 and 2 of 3 stopped, then node 0). A node of a cluster of
     * processes ({@link #startOne}) cannot tell, so it waits up to the bound.
     */
    public void stopNode(int i) {
        KafkaRaftServer node = nodes[i];
        if (node != null) {
            stopBroker(node, quorumRunning() ? APPROVAL_WAIT : Duration.ZERO);
            node.shutdown(); // the controller (and the broker, if stopBroker could not reach it)
            node.awaitShutdown();
            nodes[i] = null;
        }
    }

    /** Whether a majority of the controllers runs, as far as this object knows (true for one node of processes). */
    private boolean quorumRunning() {
        return !wholeCluster || Stream.of(nodes).filter(Objects::nonNull).count() > size / 2;
    }

    /**
     * Shuts the broker of {@code node} down, waiting at most {@code approvalWait} for a controlled shutdown's
     * approval ({@code BrokerServer.shutdown(Duration)}; {@code KafkaRaftServer.shutdown()} waits 5 minutes). The
     * broker is a private field of {@link KafkaRaftServer}; if another Kafka version hides it otherwise, nothing is
     * done here and {@code KafkaRaftServer.shutdown()} stops the broker with Kafka's own wait
     * ({@code KafkaTestClusterIT} fails then).
     */
    private static void stopBroker(KafkaRaftServer node, Duration approvalWait) {
        Object broker;
        try {
            Field f = KafkaRaftServer.class.getDeclaredField("broker");
            f.setAccessible(true);
            broker = f.get(node);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return;
        }
        if (broker instanceof scala.Option<?> o && o.isDefined() && o.get() instanceof BrokerServer b) {
            b.shutdown(approvalWait); // returns at once if it is already shut down
        }
    }

    /** Starts a stopped node again on its ports and data, and waits until every running broker is registered. */
    public void restartNode(int i) throws Exception {
        startNode(i);
        awaitBrokers((int) Stream.of(nodes).filter(n -> n != null).count());
    }

    /** Starts a stopped node again on its ports and data without waiting for its registration. */
    public void startNode(int i) {
        Map<Object, Object> props = new Properties();
        props.putAll(nodeProperties(i));
        KafkaRaftServer node = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        node.startup();
        nodes[i] = node;
    }

    /** Admin client properties for this cluster. */
    public Map<String, Object> clientConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /** Shuts every running node down ({@link #stopAll}) and deletes nothing (the data directory keeps the cluster). */
    @Override
    public void close() {
        stopAll();
    }

    /**
     * Shuts every running node down; {@link #restartNode} starts them again. Every broker first, in parallel, while
     * all controllers still run, then the controllers: shut down node by node (broker, then controller), in parallel,
     * the first node whose controller stopped could take the quorum with it (two of three nodes running: any one) while
     * another node's broker still waited for the approval of its controlled shutdown, which then never came.
     */
    public void stopAll() {
        List<Integer> running =
                IntStream.range(0, size).filter(i -> nodes[i] != null).boxed().toList();
        Duration approvalWait = quorumRunning() ? APPROVAL_WAIT : Duration.ZERO;
        try {
            parallel(running, i -> {
                KafkaRaftServer node = nodes[i];
                if (node != null) {
                    stopBroker(node, approvalWait);
                }
                return null;
            });
            parallel(running, i -> {
                stopNode(i);
                return null;
            });
        } catch (Exception e) {
            throw new IllegalStateException("shutting the cluster down failed", e);
        }
    }

    /** Waits until at least {@code expected} brokers are registered. */
    public void awaitBrokers(int expected) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        try (Admin admin = Admin.create(clientConfig())) {
            while (true) {
                try {
                    int seen = admin.describeCluster().nodes().get().size();
                    if (seen >= expected) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // not up yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("brokers did not register within " + READY);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Formats {@code formatted}'s log directories (those already formatted are left as they are) and saves the state. */
    private void format(List<Integer> formatted) throws IOException {
        for (int i : formatted) {
            Path props = dir.resolve("node-" + i + ".properties");
            try (OutputStream out = Files.newOutputStream(props)) {
                nodeProperties(i).store(out, "written by hindsight kafka-dev on every start");
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            int rc;
            try (PrintStream ps = new PrintStream(text, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(
                        new String[] {"format", "-t", clusterId, "-c", props.toString(), "--ignore-formatted"}, ps);
            }
            if (rc != 0) {
                throw new IllegalStateException("StorageTool format failed: " + text.toString(StandardCharsets.UTF_8));
            }
        }
        Properties state = new Properties();
        state.setProperty("cluster.id", clusterId);
        state.setProperty("brokers", Integer.toString(size));
        state.setProperty(
                "controller.ports",
                Arrays.stream(controllerPorts).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            state.store(out, "the local Kafka cluster in this directory (hindsight kafka-dev)");
        }
        Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    private Properties nodeProperties(int i) {
        String voters = IntStream.range(0, size)
                .mapToObj(n -> n + "@127.0.0.1:" + controllerPorts[n])
                .collect(Collectors.joining(","));
        String replication = Integer.toString(Math.min(3, size));
        String minIsr = Integer.toString(Math.min(2, size));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(i));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("node-" + i).toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", replication);
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", replication);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", "1000");
        p.put("auto.create.topics.enable", "false");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("share.coordinator.state.topic.replication.factor", replication);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        return p;
    }

    /** Checks that node {@code only}'s ports (every node's if -1) are free. */
    private void checkPortsFree(int only) {
        IntStream ports = only < 0
                ? IntStream.concat(Arrays.stream(brokerPorts), Arrays.stream(controllerPorts))
                : IntStream.of(brokerPorts[only], controllerPorts[only]);
        for (int port : ports.toArray()) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                throw new IllegalArgumentException("port " + port + " on 127.0.0.1 is in use (" + e.getMessage()
                        + "); pick another --port, or stop what listens there");
            }
        }
    }

    private <T> void parallel(List<Integer> nodeIds, IntTask<T> task) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, nodeIds.size()))) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i : nodeIds) {
                Callable<T> call = () -> task.run(i);
                futures.add(pool.submit(call));
            }
            for (Future<T> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
        }
    }

    @FunctionalInterface
    private interface IntTask<T> {
        T run(int i) throws Exception;
    }

    private static @Nullable Properties loadState(Path dir) {
        Path file = dir.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (p.getProperty("cluster.id") == null
                || p.getProperty("brokers") == null
                || p.getProperty("controller.ports") == null) {
            throw new IllegalArgumentException(file + " is incomplete; delete the data directory to start afresh");
        }
        return p;
    }

    /**
     * The controller ports a cluster's state file records.
     *
     * @throws IllegalArgumentException if it records a cluster of another size
     */
    private static int[] storedControllers(Path dir, Properties state, int size) {
        int stored = Integer.parseInt(state.getProperty("brokers"));
        if (stored != size) {
            throw new IllegalArgumentException(dir + " holds a " + stored + "-broker cluster; start it with " + stored
                    + " brokers or use another data directory");
        }
        return Arrays.stream(state.getProperty("controller.ports").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
    }

    private static int[] consecutive(int first, int n) {
        return IntStream.range(first, first + n).toArray();
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }

    /** Deletes a directory tree. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
