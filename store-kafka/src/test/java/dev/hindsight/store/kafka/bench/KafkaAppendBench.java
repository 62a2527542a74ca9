package dev.hindsight.store.kafka.bench;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.KafkaTestCluster;
import dev.hindsight.store.kafka.internal.RecordCodec;
import dev.hindsight.store.kafka.internal.WriterStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Append throughput of the Kafka engine against a raw {@code KafkaProducer} on the same 3-broker in-process cluster
 * (replication 3, {@code min.insync.replicas=2}, {@code acks=all}, gzip): N appenders, each waiting for its append
 * before the next, as the engine's callers do. Two raw baselines: the short records of earlier sessions and the
 * engine's own records ({@code RecordCodec.encode}: same key, value, headers and partition). Not part of the test
 * run (no *Test / *IT name): run with {@code ./mvnw -pl store-kafka -am verify -Dit.test=KafkaAppendBench
 * -Dfailsafe.failIfNoSpecifiedTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class KafkaAppendBench {
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("bench.seconds", 4));

    /**
     * Engine variants for same-run A/B: {@code -Dbench.variants=NAME:PROP=VALUE;PROP=VALUE,NAME:...}; each variant is
     * a log of its own topic ({@code bench-NAME}), opened with its system properties set (they are read when a log
     * opens) and run in turn with the others in every cell. Default: one variant with the current settings.
     */
    private static final String VARIANTS = System.getProperty("bench.variants", "engine:");

    @Test
    void appendsPerSecond() throws Exception {
        Path dir = Files.createTempDirectory("hindsight-kafka-bench");
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir.resolve("cluster"), 3)) {
            List<String> names = new ArrayList<>();
            List<KafkaEventLog> logs = new ArrayList<>();
            List<String> rows = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> raw = rawProducer(cluster.bootstrapServers())) {
                for (String variant : VARIANTS.split(",")) {
                    String name = variant.substring(0, variant.indexOf(':'));
                    names.add(name);
                    logs.add(openWith(
                            KafkaOptions.defaults(cluster.bootstrapServers(), "bench-" + name, dir.resolve(name))
                                    .withTopicLayout(6, 3, 2),
                            variant.substring(variant.indexOf(':') + 1)));
                }
                AtomicLong versions = new AtomicLong();
                Instant t = Instant.now();
                var sample = RecordCodec.encode(
                        "bench-raw",
                        new RecordedEvent(
                                UUID.randomUUID(),
                                "agg-12345",
                                "Benched",
                                1,
                                PAYLOAD,
                                "{\"timestamp\":\"" + t + "\"}",
                                1,
                                Position.START,
                                t,
                                t));
                int headerBytes = 0;
                for (var h : sample.headers()) {
                    headerBytes += h.key().length() + h.value().length;
                }
                System.out.printf(
                        "record value bytes: short %d, engine's %d (+ %d bytes of headers)%n",
                        ("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_data\":" + PAYLOAD + "}").length(),
                        sample.value().length,
                        headerBytes);
                for (int batch : new int[] {1, 100}) {
                    for (int clients : new int[] {1, 8, 64}) {
                        StringBuilder row = new StringBuilder("| " + batch + " | " + clients + " |");
                        List<Double> engine = new ArrayList<>();
                        for (int v = 0; v < logs.size(); v++) {
                            EventStore store = EventStore.of(logs.get(v));
                            WriterStats.snapshotAndReset();
                            engine.add(run(clients, () -> {
                                List<EventData> events = new ArrayList<>(batch);
                                for (int i = 0; i < batch; i++) {
                                    events.add(EventData.of("Benched", PAYLOAD));
                                }
                                store.append(
                                        "agg-" + ThreadLocalRandom.current().nextInt(100_000),
                                        ExpectedVersion.ANY,
                                        events);
                                return batch;
                            }));
                            long[] s = WriterStats.snapshotAndReset();
                            row.append(String.format(
                                    " %s %.0f (txn %d, appends/txn %.1f, events/txn %.0f, send %.1f ms, commit %.1f"
                                            + " ms) |",
                                    names.get(v),
                                    engine.getLast(),
                                    s[0],
                                    s[0] == 0 ? 0.0 : (double) s[1] / s[0],
                                    s[0] == 0 ? 0.0 : (double) s[2] / s[0],
                                    s[0] == 0 ? 0.0 : (double) s[3] / s[0],
                                    s[0] == 0 ? 0.0 : (double) s[4] / s[0]));
                        }
                        // the baseline of sessions 5-14: a short value, no headers
                        double legacy = run(clients, () -> {
                            String key = "agg-" + ThreadLocalRandom.current().nextInt(100_000);
                            java.util.concurrent.Future<?> last = null;
                            for (int i = 0; i < batch; i++) {
                                last = raw.send(new ProducerRecord<>(
                                        "bench-raw",
                                        key.getBytes(StandardCharsets.UTF_8),
                                        ("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_data\":" + PAYLOAD + "}")
                                                .getBytes(StandardCharsets.UTF_8)));
                            }
                            last.get();
                            return batch;
                        });
                        // the baseline: the same records as the engine writes (key, value, headers)
                        double same = run(clients, () -> {
                            String key = "agg-" + ThreadLocalRandom.current().nextInt(100_000);
                            Instant now = Instant.now();
                            String metadata = "{\"timestamp\":\"" + now + "\"}";
                            java.util.concurrent.Future<?> last = null;
                            for (int i = 0; i < batch; i++) {
                                last = raw.send(RecordCodec.encode(
                                        "bench-raw",
                                        new RecordedEvent(
                                                UUID.randomUUID(),
                                                key,
                                                "Benched",
                                                1,
                                                PAYLOAD,
                                                metadata,
                                                versions.incrementAndGet(),
                                                Position.START,
                                                now,
                                                now)));
                            }
                            last.get();
                            return batch;
                        });
                        row.append(String.format(" %.0f | %.0f |", legacy, same));
                        for (double e : engine) {
                            row.append(String.format(" %.0f %% / %.0f %% |", 100 * e / legacy, 100 * e / same));
                        }
                        rows.add(row.toString());
                        System.out.println(row);
                    }
                }
            } finally {
                logs.forEach(KafkaEventLog::close);
            }
            System.out.println("| events/append | appenders | engine events/s (writer stats) per variant "
                    + names + " | raw, short records | raw, engine's records | ratio to raw short / engine's"
                    + " records, per variant |");
            rows.forEach(System.out::println);
        } finally {
            KafkaTestCluster.deleteTree(dir);
        }
    }

    private static final String PAYLOAD = "{\"amount\":4200,\"currency\":\"EUR\"}";

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
            return KafkaEventLog.open(new KafkaOptions(
                    options.bootstrapServers(),
                    options.topic(),
                    options.partitions(),
                    options.replicationFactor(),
                    options.minInsyncReplicas(),
                    options.compression(),
                    options.indexDir(),
                    options.sessionTimeout(),
                    options.maxPollInterval(),
                    options.requestTimeout(),
                    options.memtableEvents(),
                    options.clock(),
                    client));
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

    private static KafkaProducer<byte[], byte[]> rawProducer(String bootstrap) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("bench-raw", 6, (short) 3)
                            .configs(Map.of("min.insync.replicas", "2"))))
                    .all()
                    .get();
        }
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "gzip",
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    @FunctionalInterface
    private interface Op {
        int run() throws Exception;
    }

    /** Events per second of {@code clients} threads running {@code op} back to back for one phase. */
    private static double run(int clients, Op op) throws InterruptedException {
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
        Thread.sleep(PHASE);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        return events.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
