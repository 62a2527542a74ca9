package dev.hindsight.store.kafka.bench;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.KafkaTestCluster;
import dev.hindsight.store.kafka.internal.WriterStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Append throughput of the Kafka engine against raw producers on the same 3-broker in-process cluster (replication 3,
 * {@code min.insync.replicas=2}, {@code acks=all}, the run's compression on both sides): N appenders, each waiting for
 * its append before the next, as the engine's callers do. Baselines ({@link Baseline}): the short records of earlier
 * sessions, the engine's own records through a plain producer (the issue's baseline), and raw transactional producers
 * with group commit (the ceiling of any design that acknowledges after a commit). Not part of the test run (no
 * *Test / *IT name): run with {@code ./mvnw -pl store-kafka -am verify -Dit.test=KafkaAppendBench
 * -Dfailsafe.failIfNoSpecifiedTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}, and
 * {@code -Dbench.seconds}, {@code bench.variants}, {@code bench.baselines}, {@code bench.cells},
 * {@code bench.compressions}, {@code bench.rounds}, {@code bench.warmupSeconds}, {@code bench.transactionVersion},
 * {@code bench.dir} (see the fields).
 */
class KafkaAppendBench {
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("bench.seconds", 4));

    /**
     * Engine variants for same-run A/B: {@code -Dbench.variants=NAME:PROP=VALUE;PROP=VALUE,NAME:...}; each variant is
     * a log of its own topic ({@code bench-NAME-COMPRESSION}), opened with its system properties set (they are read
     * when a log opens) and run in turn with the others in every cell. Default: one variant with the current settings.
     */
    private static final String VARIANTS = System.getProperty("bench.variants", "engine:");

    /**
     * Raw baselines, {@code NAME=KIND[;producer.property=value...]} comma-separated ({@link Baseline}). Default: the
     * short records of sessions 5-14, the issue's baseline, and two transactional ceilings: the node writer's protocol
     * ({@code txn4f}) and one producer per partition ({@code txn6}).
     */
    private static final String BASELINES =
            System.getProperty("bench.baselines", "short=short,same=raw,txn4f=txn4f,txn6=txn6");

    /** Cells, {@code EVENTSxAPPENDERS} comma-separated; {@code -Dbench.cells=1x64,100x64} for the issue's floors. */
    private static final String CELLS = System.getProperty("bench.cells", "1x1,1x8,1x64,100x1,100x8,100x64");

    /** Compressions, each on both sides (engine and baselines), comma-separated. */
    private static final String COMPRESSIONS = System.getProperty("bench.compressions", "gzip");

    private static final int ROUNDS = Integer.getInteger("bench.rounds", 1);

    /**
     * Seconds per cell of an unrecorded warm-up pass over the cells (0: none). On a cold JVM the first variant ran at
     * a fifth of its warm rate (session 17), so the default warms up.
     */
    private static final int WARMUP = Integer.getInteger("bench.warmupSeconds", 2);

    private static final int PARTITIONS = 6;

    /** The engine variants and baselines of one compression, open for the whole run. */
    private record Side(String compression, List<String> names, List<KafkaEventLog> logs, List<Baseline> baselines) {}

    @Test
    void appendsPerSecond() throws Exception {
        Path dir = Files.createTempDirectory(
                Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "hindsight-kafka-bench");
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir.resolve("cluster"), 3)) {
            System.out.println("transaction.version: " + TxnVersionFeature.apply(cluster.clientConfig()));
            List<Side> sides = new ArrayList<>();
            List<String> rows = new ArrayList<>();
            try {
                for (String compression : COMPRESSIONS.split(",")) {
                    sides.add(open(cluster, dir, compression));
                }
                BrokerRequests requests = new BrokerRequests();
                if (WARMUP > 0) {
                    for (Side side : sides) {
                        for (String cell : CELLS.split(",")) {
                            measure(side, cell, Duration.ofSeconds(WARMUP), requests, false, false);
                        }
                    }
                }
                for (int round = 1; round <= ROUNDS; round++) {
                    for (Side side : sides) {
                        for (String cell : CELLS.split(",")) {
                            String row = "| " + round + " | " + side.compression() + " | " + cell.replace("x", " | ")
                                    + " |" + measure(side, cell, PHASE, requests, true, round % 2 == 0);
                            rows.add(row);
                            System.out.println(row);
                        }
                    }
                }
            } finally {
                for (Side side : sides) {
                    side.logs().forEach(KafkaEventLog::close);
                    side.baselines().forEach(Baseline::close);
                }
            }
            Side first = sides.getFirst();
            System.out.println("| round | compression | events/append | appenders | engine events/s per variant "
                    + first.names() + " | baselines "
                    + first.baselines().stream().map(b -> b.name).toList()
                    + " events/s | engine variants and baselines ÷ the issue's baseline (raw, engine's records) |");
            rows.forEach(System.out::println);
        } finally {
            KafkaTestCluster.deleteTree(dir);
        }
    }

    private static Side open(KafkaTestCluster cluster, Path dir, String compression) throws Exception {
        List<String> names = new ArrayList<>();
        List<KafkaEventLog> logs = new ArrayList<>();
        for (String variant : VARIANTS.split(",")) {
            String name = variant.substring(0, variant.indexOf(':'));
            names.add(name);
            logs.add(openWith(
                    KafkaOptions.defaults(
                                    cluster.bootstrapServers(),
                                    "bench-" + name + "-" + compression,
                                    dir.resolve(name + "-" + compression))
                            .withTopicLayout(PARTITIONS, 3, 2)
                            .withCompression(compression),
                    variant.substring(variant.indexOf(':') + 1)));
        }
        String topic = "bench-raw-" + compression;
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(cluster.clientConfig())) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, PARTITIONS, (short) 3)
                            .configs(Map.of("min.insync.replicas", "2"))))
                    .all()
                    .get();
        }
        List<Baseline> baselines = new ArrayList<>();
        for (String spec : BASELINES.split(",")) {
            baselines.add(Baseline.open(spec, cluster.bootstrapServers(), topic, PARTITIONS, compression));
        }
        return new Side(compression, names, logs, baselines);
    }

    /**
     * Runs one cell ({@code EVENTSxAPPENDERS}) for every engine variant and baseline of {@code side}, each for
     * {@code phase}; prints a line per run (writer and broker request counts) if {@code report}.
     *
     * @return the row's cells: events/s per variant and baseline, then each ÷ the issue's baseline
     */
    private static String measure(
            Side side, String cell, Duration phase, BrokerRequests requests, boolean report, boolean reverse)
            throws InterruptedException {
        int batch = Integer.parseInt(cell.substring(0, cell.indexOf('x')));
        int clients = Integer.parseInt(cell.substring(cell.indexOf('x') + 1));
        int engines = side.logs().size();
        int columns = engines + side.baselines().size();
        double[] values = new double[columns];
        String[] labels = new String[columns];
        requests.sinceLast();
        // every other round runs the variants (and the baselines) in reverse order, so that none always goes first
        for (int k = 0; k < engines; k++) {
            int v = reverse ? engines - 1 - k : k;
            EventStore store = EventStore.of(side.logs().get(v));
            WriterStats.snapshotAndReset();
            values[v] = run(clients, phase, () -> {
                List<EventData> events = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    events.add(EventData.of("Benched", Baseline.PAYLOAD));
                }
                store.append("agg-" + ThreadLocalRandom.current().nextInt(100_000), ExpectedVersion.ANY, events);
                return batch;
            });
            labels[v] = side.names().get(v);
            report(report, side, cell, labels[v], values[v], WriterStats.snapshotAndReset(), requests);
        }
        int issueColumn = -1;
        for (int k = 0; k < side.baselines().size(); k++) {
            int i = reverse ? side.baselines().size() - 1 - k : k;
            Baseline b = side.baselines().get(i);
            b.snapshotAndReset();
            values[engines + i] = run(
                    clients,
                    phase,
                    () -> b.append("agg-" + ThreadLocalRandom.current().nextInt(100_000), batch));
            labels[engines + i] = b.name;
            report(report, side, cell, b.name, values[engines + i], b.snapshotAndReset(), requests);
            if (b.issueBaseline() && (issueColumn < 0 || engines + i < issueColumn)) {
                issueColumn = engines + i;
            }
        }
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            row.append(String.format(" %s %.0f |", labels[i], values[i]));
        }
        for (int i = 0; i < columns; i++) {
            if (i != issueColumn) {
                row.append(String.format(
                        " %s %.0f %% |",
                        labels[i], issueColumn < 0 ? Double.NaN : 100 * values[i] / values[issueColumn]));
            }
        }
        return row.toString();
    }

    private static void report(
            boolean report, Side side, String cell, String name, double value, long[] s, BrokerRequests requests) {
        String brokers = requests.sinceLast();
        if (!report) {
            return;
        }
        System.out.printf(
                "  %s %s %s: %.0f events/s; txn %d, appends/txn %.1f, events/txn %.0f, send %.1f ms, commit %.1f ms;"
                        + " brokers: %s%n",
                side.compression(),
                cell,
                name,
                value,
                s[0],
                s[0] == 0 ? 0.0 : (double) s[1] / s[0],
                s[0] == 0 ? 0.0 : (double) s[2] / s[0],
                s[0] == 0 ? 0.0 : (double) s[3] / s[0],
                s[0] == 0 ? 0.0 : (double) s[4] / s[0],
                brokers);
    }

    /**
     * Opens a log with {@code props} ({@code K=V;K=V}) set as system properties during the open; a key starting with
     * {@code client.} is a Kafka client property instead ({@code client.batch.size=262144}).
     */
    private static KafkaEventLog openWith(KafkaOptions options, String props) {
        Map<String, String> before = new java.util.HashMap<>();
        Map<String, Object> client = new java.util.HashMap<>();
        for (String kv : props.split(";")) {
            if (!kv.isBlank()) {
                String k = kv.substring(0, kv.indexOf('='));
                String v = kv.substring(kv.indexOf('=') + 1);
                if (k.startsWith("client.")) {
                    client.put(k.substring("client.".length()), v);
                } else {
                    before.put(k, System.getProperty(k));
                    System.setProperty(k, v);
                }
            }
        }
        try {
            return KafkaEventLog.open(options.withClientProperties(client));
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    /**
     * 1,000-event aggregate loads (p50/p99 over 300 loads of 20 aggregates, after their events left the node's recent
     * cache) and the global-log catch-up rate (pages of 1,000 from the start), on the same 3-broker cluster.
     */
    @Test
    void loadsAndCatchUp() throws Exception {
        Path dir = Files.createTempDirectory("hindsight-kafka-bench");
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir.resolve("cluster"), 3)) {
            KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "loads", dir.resolve("node"))
                    .withTopicLayout(6, 3, 2);
            int aggregates = 20;
            try (KafkaEventLog log = KafkaEventLog.open(options)) {
                EventStore store = EventStore.of(log);
                for (int a = 0; a < aggregates; a++) {
                    for (int b = 0; b < 10; b++) {
                        List<EventData> events = new ArrayList<>(100);
                        for (int i = 0; i < 100; i++) {
                            events.add(EventData.of(
                                    "Benched",
                                    "{\"user_id\":\"user_12345\",\"amount\":4200,\"currency\":\"EUR\",\"seq\":" + i
                                            + "}"));
                        }
                        store.append("load-" + a, ExpectedVersion.ANY, events);
                    }
                }
                // filler so that the aggregates' events are no longer in the 16,384-event recent cache
                for (int f = 0; f < 200; f++) {
                    List<EventData> events = new ArrayList<>(100);
                    for (int i = 0; i < 100; i++) {
                        events.add(EventData.of("Filler", "{\"n\":" + i + "}"));
                    }
                    store.append("filler-" + f, ExpectedVersion.ANY, events);
                }
                long[] nanos = new long[300];
                for (int i = 0; i < nanos.length; i++) {
                    long t0 = System.nanoTime();
                    int n = store.read("load-" + (i % aggregates)).events().size();
                    nanos[i] = System.nanoTime() - t0;
                    if (n != 1000) {
                        throw new IllegalStateException("loaded " + n + " events, not 1000");
                    }
                }
                java.util.Arrays.sort(nanos);
                long events = 0;
                long t0 = System.nanoTime();
                dev.hindsight.core.Position cursor = log.start();
                while (!cursor.equals(log.head())) {
                    var page = store.readAll(cursor, 1000, dev.hindsight.core.EventFilter.ALL);
                    events += page.events().size();
                    cursor = page.next();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "| 1,000-event aggregate load p50 ms | %.2f |%n| p99 ms | %.2f |%n"
                                + "| catch-up (readAll, pages of 1,000) events/s | %.0f (%d events) |%n",
                        nanos[150] / 1e6, nanos[296] / 1e6, events / seconds, events);
            }
        } finally {
            KafkaTestCluster.deleteTree(dir);
        }
    }

    @FunctionalInterface
    private interface Op {
        int run() throws Exception;
    }

    /** Events per second of {@code clients} threads running {@code op} back to back for one phase. */
    private static double run(int clients, Duration phase, Op op) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong events = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    while (running.get()) {
                        events.addAndGet(op.run());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long t0 = System.nanoTime();
        Thread.sleep(phase);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        return events.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
