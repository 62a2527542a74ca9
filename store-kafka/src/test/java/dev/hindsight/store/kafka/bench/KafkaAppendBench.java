package dev.hindsight.store.kafka.bench;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * before the next, as the engine's callers do. Not part of the test run (no *Test / *IT name): run with
 * {@code ./mvnw -pl store-kafka -am verify -Dit.test=KafkaAppendBench -Dfailsafe.failIfNoSpecifiedTests=false
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class KafkaAppendBench {
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("bench.seconds", 4));

    @Test
    void appendsPerSecond() throws Exception {
        Path dir = Files.createTempDirectory("hindsight-kafka-bench");
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir.resolve("cluster"), 3)) {
            KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "bench", dir.resolve("node"))
                    .withTopicLayout(6, 3, 2);
            List<String> rows = new ArrayList<>();
            try (KafkaEventLog log = KafkaEventLog.open(options);
                    KafkaProducer<byte[], byte[]> raw = rawProducer(cluster.bootstrapServers())) {
                EventStore store = EventStore.of(log);
                for (int batch : new int[] {1, 100}) {
                    for (int clients : new int[] {1, 8, 64}) {
                        double engine = run(clients, () -> {
                            List<EventData> events = new ArrayList<>(batch);
                            for (int i = 0; i < batch; i++) {
                                events.add(EventData.of("Benched", "{\"amount\":4200,\"currency\":\"EUR\"}"));
                            }
                            store.append(
                                    "agg-" + ThreadLocalRandom.current().nextInt(100_000), ExpectedVersion.ANY, events);
                            return batch;
                        });
                        double baseline = run(clients, () -> {
                            String key = "agg-" + ThreadLocalRandom.current().nextInt(100_000);
                            java.util.concurrent.Future<?> last = null;
                            for (int i = 0; i < batch; i++) {
                                last = raw.send(new ProducerRecord<>(
                                        "bench-raw",
                                        key.getBytes(StandardCharsets.UTF_8),
                                        ("{\"event_id\":\"" + UUID.randomUUID()
                                                        + "\",\"event_data\":{\"amount\":4200,\"currency\":\"EUR\"}}")
                                                .getBytes(StandardCharsets.UTF_8)));
                            }
                            last.get();
                            return batch;
                        });
                        rows.add(String.format(
                                "| %d | %d | %.0f | %.0f | %.0f %% |",
                                batch, clients, engine, baseline, 100 * engine / baseline));
                    }
                }
            }
            System.out.println("| events/append | appenders | engine events/s | raw producer events/s | ratio |");
            System.out.println("| --- | --- | --- | --- | --- |");
            rows.forEach(System.out::println);
        } finally {
            KafkaTestCluster.deleteTree(dir);
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
