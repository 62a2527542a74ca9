package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability on a 3-broker cluster with the seed's topic settings (replication 3, {@code min.insync.replicas=2},
 * {@code acks=all}): a broker stops while writers append, appends continue, and nothing acknowledged is lost — read
 * back by a node that rebuilds its index from the topic, and again after the whole cluster restarted. The cluster is
 * the {@link KafkaTestCluster#sharedThree shared} one, left whole.
 */
class KafkaDurabilityIT {
    @TempDir
    Path dir;

    @Test
    void brokerStopsUnderLoad_appendsContinueAndNothingAcknowledgedIsLost() throws Exception {
        KafkaTestCluster cluster = KafkaTestCluster.sharedThree();
        try {
            KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "durable", dir.resolve("node"))
                    .withTopicLayout(3, 3, 2)
                    .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(30), Duration.ofSeconds(30));
            Appenders writers;
            try (KafkaEventLog log = KafkaEventLog.open(options)) {
                EventStore store = EventStore.of(log);
                writers = new Appenders(4, "acct", attempt -> store);
                try {
                    Thread.sleep(1500);
                    int before = writers.acknowledgedCount();
                    long t0 = System.nanoTime();
                    cluster.stopNode(1);
                    System.out.printf("broker 1 stopped in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
                    int atStop = writers.acknowledgedCount();
                    Thread.sleep(3000);
                    int after = writers.acknowledgedCount();
                    System.out.printf(
                            "acknowledged: %d before the stop, %d during it, %d in 3 s after it%n",
                            before, atStop - before, after - atStop);
                    assertThat(after)
                            .as("appends continue with one broker down")
                            .isGreaterThan(atStop + 10);
                } finally {
                    writers.stop();
                }
                writers.assertLogHoldsExactlyTheAcknowledged(log);
            }
            try (KafkaEventLog rebuilt = KafkaEventLog.open(options.withIndexDir(dir.resolve("fresh-node")))) {
                writers.assertLogHoldsExactlyTheAcknowledged(rebuilt);
            }

            long t0 = System.nanoTime();
            cluster.stopAll();
            IntStream.range(0, 3).parallel().forEach(i -> cluster.restartNodeUnchecked(i));
            System.out.printf("whole cluster restarted in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            try (KafkaEventLog reopened = KafkaEventLog.open(options)) {
                writers.assertLogHoldsExactlyTheAcknowledged(reopened);
            }
            System.out.printf("%d acknowledged events verified%n", writers.acknowledgedCount());
        } finally {
            cluster.restoreStopped(); // whole and registered for the next class, whatever failed
        }
    }
}
