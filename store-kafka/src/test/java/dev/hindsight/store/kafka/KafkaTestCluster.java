package dev.hindsight.store.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.jspecify.annotations.Nullable;

/**
 * An in-process KRaft cluster for tests: {@code n} combined broker+controller nodes on 127.0.0.1 with random free
 * ports, formatted with {@code kafka.tools.StorageTool} and started as {@link KafkaRaftServer}s. Nodes start and shut
 * down in parallel (one by one, a 3-node shutdown takes minutes: each waits for the others' controlled shutdown).
 * Internal topics are sized for tests (few partitions, replication {@code min(3, n)}, {@code min.insync.replicas}
 * {@code min(2, n)}); groups join without the initial rebalance delay and allow 1 s session timeouts.
 *
 * <p>Not thread-safe: one test thread starts, stops and closes it.
 */
public final class KafkaTestCluster implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(60);

    private final Path dir;
    private final int size;
    private final int[] brokerPorts;
    private final int[] controllerPorts;
    private final @Nullable KafkaRaftServer[] nodes;

    private KafkaTestCluster(Path dir, int size) throws IOException {
        this.dir = dir;
        this.size = size;
        this.brokerPorts = freePorts(size);
        this.controllerPorts = freePorts(size);
        this.nodes = new KafkaRaftServer[size];
    }

    /**
     * Formats and starts a cluster of {@code size} nodes under {@code dir} and waits until every broker is registered.
     *
     * @throws Exception if a node cannot be formatted or started in time
     */
    public static KafkaTestCluster start(Path dir, int size) throws Exception {
        KafkaTestCluster cluster = new KafkaTestCluster(dir, size);
        try {
            cluster.format();
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

    /** Bootstrap servers, {@code 127.0.0.1:port} of every node, comma-separated. */
    public String bootstrapServers() {
        return IntStream.range(0, size)
                .mapToObj(i -> "127.0.0.1:" + brokerPorts[i])
                .collect(Collectors.joining(","));
    }

    public int size() {
        return size;
    }

    /** Shuts node {@code i} down (controlled) and waits until it has stopped. */
    public void stopNode(int i) {
        KafkaRaftServer node = nodes[i];
        if (node != null) {
            node.shutdown();
            node.awaitShutdown();
            nodes[i] = null;
        }
    }

    /** Starts a stopped node again on its ports and data, and waits until every running broker is registered. */
    public void restartNode(int i) throws Exception {
        startNode(i);
        awaitBrokers((int) Stream.of(nodes).filter(n -> n != null).count());
    }

    /** {@link #restartNode} without checked exceptions, for parallel restarts; does not wait for registration. */
    public void restartNodeUnchecked(int i) {
        startNode(i);
    }

    /** Admin client properties for this cluster. */
    public Map<String, Object> clientConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /** Shuts every running node down in parallel and deletes nothing (the caller owns {@code dir}). */
    @Override
    public void close() {
        stopAll();
    }

    /** Shuts every running node down in parallel; {@link #restartNode} starts them again. */
    public void stopAll() {
        try {
            parallel(IntStream.range(0, size).boxed().toList(), i -> {
                stopNode(i);
                return null;
            });
        } catch (Exception e) {
            throw new IllegalStateException("shutting the test cluster down failed", e);
        }
    }

    private void format() throws Exception {
        Files.createDirectories(dir);
        String clusterId = Uuid.randomUuid().toString();
        for (int i = 0; i < size; i++) {
            Path props = dir.resolve("node-" + i + ".properties");
            Properties p = nodeProperties(i);
            try (OutputStream out = Files.newOutputStream(props)) {
                p.store(out, null);
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
    }

    private Properties nodeProperties(int i) {
        String voters = IntStream.range(0, size)
                .mapToObj(n -> n + "@127.0.0.1:" + controllerPorts[n])
                .collect(Collectors.joining(","));
        int replication = Math.min(3, size);
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(i));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("node-" + i).toString());
        p.put("offsets.topic.replication.factor", Integer.toString(replication));
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", Integer.toString(replication));
        p.put("transaction.state.log.min.isr", Integer.toString(Math.min(2, size)));
        p.put("transaction.state.log.num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", "1000");
        p.put("auto.create.topics.enable", "false");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
        p.put("share.coordinator.state.topic.min.isr", Integer.toString(Math.min(2, size)));
        return p;
    }

    private void startNode(int i) {
        Map<Object, Object> props = new Properties();
        props.putAll(nodeProperties(i));
        KafkaRaftServer node = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        node.startup();
        nodes[i] = node;
    }

    private void awaitBrokers(int expected) throws Exception {
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

    /** Deletes a directory tree (test clean-up helper). */
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
