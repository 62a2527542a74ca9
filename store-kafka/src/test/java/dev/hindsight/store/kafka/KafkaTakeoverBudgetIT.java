package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A takeover runs on the ownership thread, which must poll again within {@code max.poll.interval} or the group drops
 * the member and takes every partition of the node away. A takeover whose index catch-up is slow (here: this node's
 * indexer is held up) must therefore give up within its share of the interval and try again on the next poll, not
 * wait for the request timeout: the node's other partitions, ready all along, must stay ready.
 */
class KafkaTakeoverBudgetIT extends SharedKafkaCluster {
    private static final String TOPIC = "takeover-budget";

    private static KafkaOptions options(String topic, String node) {
        // proportioned like the defaults (6 s, 30 s, 30 s): the request timeout exceeds max.poll.interval
        return KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve(node))
                .withTopicLayout(2, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8));
    }

    @Test
    void slowCatchUpOfATakenOverPartition_keepsTheNodesOtherPartitions_nodeWriter() throws Exception {
        slowCatchUp("node");
    }

    @Test
    void slowCatchUpOfATakenOverPartition_keepsTheNodesOtherPartitions_partitionWriter() throws Exception {
        slowCatchUp("partition");
    }

    private static void slowCatchUp(String writer) throws Exception {
        String topic = TOPIC + "-" + writer;
        try (KafkaEventLog a = withProperty(
                KafkaEventLog.WRITER_PROPERTY, writer, () -> KafkaEventLog.open(options(topic, writer + "-a")))) {
            KafkaEventLog b = withProperty(
                    KafkaEventLog.WRITER_PROPERTY, writer, () -> KafkaEventLog.open(options(topic, writer + "-b")));
            int aPart;
            int bPart;
            try {
                awaitOwned(a, 1);
                awaitOwned(b, 1);
                aPart = a.ownedPartitions().getFirst();
                bPart = b.ownedPartitions().getFirst();
                String onB = aggregateIn(bPart);
                EventStore.of(b).append(onB, ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            } catch (Throwable e) {
                b.close();
                throw e;
            }
            // a's indexer stops at b's next record: it records every event in a's record cache, under its monitor
            Field f = KafkaEventLog.class.getDeclaredField("cache");
            f.setAccessible(true);
            Object cache = f.get(a);
            AtomicBoolean dropped = new AtomicBoolean();
            List<List<Integer>> seen = new ArrayList<>();
            synchronized (cache) {
                EventStore.of(b).append(aggregateIn(bPart), ExpectedVersion.ANY, EventData.of("Deposited", "{}"));
                b.close(); // a is assigned b's partition and must catch up to b's last record to take it over
                watch(a, aPart, Duration.ofSeconds(7), dropped, seen);
            }
            watch(a, aPart, Duration.ofSeconds(4), dropped, seen);
            System.out.println(writer + " writer: a owned, in turn: " + seen);
            assertThat(dropped)
                    .as("partition " + aPart + " left node a while it took " + bPart + " over")
                    .isFalse();
            awaitOwned(a, 2);
        }
    }

    private static void watch(KafkaEventLog a, int part, Duration d, AtomicBoolean dropped, List<List<Integer>> seen)
            throws InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until) {
            List<Integer> owned = a.ownedPartitions();
            if (seen.isEmpty() || !seen.getLast().equals(owned)) {
                seen.add(owned);
            }
            if (!owned.contains(part)) {
                dropped.set(true);
            }
            Thread.sleep(10);
        }
    }
}
