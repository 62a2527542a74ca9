package dev.hindsight.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.relay.OutboxRelay;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.relay.rabbitmq.RabbitMqSink;
import dev.hindsight.relay.rabbitmq.RabbitStreamSink;
import dev.hindsight.store.file.FileCheckpointStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.store.kafka.KafkaTestCluster;
import dev.hindsight.store.kafka.relay.KafkaSink;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Publish lag of the outbox relay at a steady 10,000 events/s: a file store ({@code fsync=interval}) appended to by
 * one paced writer (10 events to 10 aggregates every millisecond), the relay publishing to a 1-broker in-process
 * cluster; lag = an event's {@code recorded_at} to the broker's acknowledgement. Not part of the test run (no *Test /
 * *IT name): {@code ./mvnw -pl cli verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=RelayLagBench -Dfailsafe.failIfNoSpecifiedTests=false -Dfailsafe.includes='**}{@code /RelayLagBench.java'}
 * ({@code -Dbench.seconds=30} by default). {@code -Dbench.target=rabbitmq-stream} publishes to a fresh stream of the
 * local RabbitMQ server over the stream protocol (127.0.0.1:5552) instead, {@code -Dbench.target=rabbitmq} over AMQP
 * 0-9-1 (127.0.0.1:5672). Results: docs/benchmarks.md, "Outbox relay".
 */
class RelayLagBench {
    private static final int RATE = 10_000;
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("bench.seconds", 30));
    private static final Duration WARMUP = Duration.ofSeconds(5);
    private static final String TARGET = System.getProperty("bench.target", "kafka");
    private static final boolean RABBITMQ = TARGET.startsWith("rabbitmq");

    @Test
    void publishLagAt10kEventsPerSecond() throws Exception {
        Path dir = Files.createTempDirectory("hindsight-relay-bench");
        String stream = "bench-relay-" + UUID.randomUUID();
        try (KafkaTestCluster cluster = RABBITMQ ? null : KafkaTestCluster.start(dir.resolve("kafka"), 1);
                EventStore store = EventStore.of(FileEventLog.open(
                        FileLogOptions.defaults(dir.resolve("data")).withFsync(FsyncPolicy.parse("interval"))));
                FileCheckpointStore checkpoints = FileCheckpointStore.open(dir.resolve("data/checkpoints"))) {
            ConcurrentLinkedQueue<Long> lags = new ConcurrentLinkedQueue<>();
            long measureFrom = System.currentTimeMillis() + WARMUP.toMillis();
            RelayTarget target = RelayTarget.parse(
                    switch (TARGET) {
                        case "rabbitmq" -> "rabbitmq://127.0.0.1:5672/" + stream;
                        case "rabbitmq-stream" -> "rabbitmq-stream://127.0.0.1:5552/" + stream;
                        default -> "kafka://" + cluster.bootstrapServers() + "/bench-relay";
                    });
            try (OutboxRelay relay = OutboxRelay.start(
                    store.log(),
                    checkpoints,
                    target,
                    switch (target.kind()) {
                        case KAFKA -> KafkaSink.factory(target);
                        case RABBITMQ_STREAM -> RabbitStreamSink.factory(target);
                        case RABBITMQ -> RabbitMqSink.factory(target);
                    },
                    Clock.systemUTC(),
                    ms -> {
                        if (System.currentTimeMillis() >= measureFrom) {
                            lags.add(ms);
                        }
                    })) {
                long appended = appendPaced(store, WARMUP.plus(RUN));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (relay.status().lagEvents() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                long[] sorted =
                        lags.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf(
                        "relay (%s) publish lag at %,d events/s for %s (after %s warm-up): %,d events appended (%,.0f/s),"
                                + " %,d measured; p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms; bench JVM CPU %.1f s%n",
                        target.kind().scheme(),
                        RATE,
                        RUN,
                        WARMUP,
                        appended,
                        appended / (double) WARMUP.plus(RUN).toSeconds(),
                        sorted.length,
                        pct(sorted, 0.50),
                        pct(sorted, 0.99),
                        pct(sorted, 0.999),
                        sorted.length == 0 ? -1 : sorted[sorted.length - 1],
                        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                                        .getProcessCpuTime()
                                / 1e9);
                assertThat(relay.status().lagEvents()).isZero();
            }
        } finally {
            if (RABBITMQ) {
                dev.hindsight.cli.RelayStreamReader.delete("127.0.0.1", 5672, stream);
            }
            KafkaTestCluster.deleteTree(dir);
        }
    }

    /** Appends {@value #RATE} events/s, 10 per millisecond, for {@code duration}; returns how many. */
    private static long appendPaced(EventStore store, Duration duration) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long n = 0;
        List<EventData> one = new ArrayList<>(1);
        for (long tick = 0; ; tick++) {
            long due = start + tick * 1_000_000L;
            if (due >= end) {
                return n;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            for (int i = 0; i < RATE / 1000; i++) {
                one.clear();
                one.add(EventData.of("OrderPaid", "{\"amount\":4200,\"currency\":\"EUR\"}"));
                store.append("order-" + (n % 1000), ExpectedVersion.ANY, one);
                n++;
            }
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }
}
