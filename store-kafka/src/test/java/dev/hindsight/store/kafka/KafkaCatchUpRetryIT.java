package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.kafka.internal.WriterStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The partition writer's takeover of a partition whose index catch-up does not finish within its share of
 * {@code max.poll.interval} is retried on the next polls. Each retry used to create the partition's transactional
 * producers again (a new producer and an {@code initTransactions()} per slot: round trips, an epoch bump each); the
 * producers initialized by the first attempt have already fenced the previous owner, so the retries re-use them and
 * only wait for the index.
 */
class KafkaCatchUpRetryIT extends SharedKafkaCluster {
    private static final String TOPIC = "catch-up-retry";
    private static final int SLOTS = Math.max(1, Integer.getInteger("hindsight.kafka.writerSlots", 2));

    private static KafkaOptions options(String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), TOPIC, dir.resolve(node))
                .withTopicLayout(2, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8));
    }

    @Test
    void retriedCatchUp_reusesTheInitializedProducers() throws Exception {
        try (KafkaEventLog a =
                withProperty(KafkaEventLog.WRITER_PROPERTY, "partition", () -> KafkaEventLog.open(options("a")))) {
            KafkaEventLog b =
                    withProperty(KafkaEventLog.WRITER_PROPERTY, "partition", () -> KafkaEventLog.open(options("b")));
            int bPart;
            try {
                awaitOwned(a, 1);
                awaitOwned(b, 1);
                bPart = b.ownedPartitions().getFirst();
                EventStore.of(b).append(aggregateIn(bPart), ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            } catch (Throwable e) {
                b.close();
                throw e;
            }
            // a's indexer stops at b's next record: it records every event in a's record cache, under its monitor
            Object cache = recordCache(a);
            long before;
            synchronized (cache) {
                EventStore.of(b).append(aggregateIn(bPart), ExpectedVersion.ANY, EventData.of("Deposited", "{}"));
                before = WriterStats.producersCreated();
                b.close(); // a is assigned b's partition; its catch-up fails (2 s of 4) until the indexer goes on
                Thread.sleep(7_000);
            }
            awaitOwned(a, 2);
            long created = WriterStats.producersCreated() - before;
            System.out.println("producers created for the takeover of partition " + bPart + ": " + created);
            assertThat(created)
                    .as("producers created by a's takeover of partition " + bPart + " (retried while its index lagged)")
                    .isEqualTo(SLOTS);
            EventStore.of(a).append(aggregateIn(bPart), ExpectedVersion.exact(2), EventData.of("Withdrawn", "{}"));
        }
    }
}
