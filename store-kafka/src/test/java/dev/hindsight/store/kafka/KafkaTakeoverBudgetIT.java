package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.kafka.internal.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A takeover runs on the ownership thread, which must poll again within {@code max.poll.interval} or the group drops
 * the member and takes every partition of the node away. A takeover whose index catch-up is slow (here: this node's
 * indexer is held up) must therefore give up within its share of the interval and try again on the next poll, not
 * wait for the request timeout: the node's other partitions, ready all along, must stay ready. The same holds for
 * each blocking call of a takeover (the last two tests): with the leader of the partition taken over down, asking it
 * for its open transactions or its end offset waited the whole request timeout.
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
            Object cache = recordCache(a);
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

    @Test
    void leaderOfATakenOverPartitionDown_keepsTheNodesOtherPartitions_nodeWriter() throws Exception {
        leaderDown("node");
    }

    @Test
    void leaderOfATakenOverPartitionDown_keepsTheNodesOtherPartitions_partitionWriter() throws Exception {
        leaderDown("partition");
    }

    /**
     * Node a takes over node b's partition while that partition's only replica is on a stopped broker: every request
     * to its leader (the node writer's {@code describeProducers}, the partition writer's end offset) is retried until
     * its timeout, the request timeout (8 s, twice {@code max.poll.interval}) unless the takeover passes what is
     * left of its budget. The partition is taken over once its broker is back.
     */
    private static void leaderDown(String writer) throws Exception {
        String topic = TOPIC + "-leader-down-" + writer;
        KafkaTestCluster cluster3 = three();
        KafkaOptions oa = options(cluster3, topic, writer + "-down-a");
        List<Integer> others = createAwayFromCoordinator(cluster3, oa);
        try (KafkaEventLog a = withProperty(KafkaEventLog.WRITER_PROPERTY, writer, () -> KafkaEventLog.open(oa))) {
            awaitOwned(a, 2);
            KafkaEventLog b = withProperty(
                    KafkaEventLog.WRITER_PROPERTY,
                    writer,
                    () -> KafkaEventLog.open(options(cluster3, topic, writer + "-down-b")));
            int aPart;
            int bPart;
            try {
                awaitOwned(b, 1);
                awaitOwned(a, 1);
                aPart = a.ownedPartitions().getFirst();
                bPart = b.ownedPartitions().getFirst();
            } catch (Throwable e) {
                b.close();
                throw e;
            }
            int broker = others.get(bPart);
            AtomicBoolean dropped = new AtomicBoolean();
            List<List<Integer>> seen = new ArrayList<>();
            try {
                try {
                    cluster3.stopNode(broker); // b's partition has no leader now
                } finally {
                    b.close(); // a is assigned b's partition
                }
                watch(a, aPart, Duration.ofSeconds(12), dropped, seen);
                System.out.println(writer + " writer, leader of " + bPart + " down: a owned, in turn: " + seen);
                assertThat(dropped)
                        .as("partition " + aPart + " left node a while it took " + bPart + " over")
                        .isFalse();
                assertThat(a.ownedPartitions()).containsExactly(aPart);
            } finally {
                cluster3.restartNode(broker); // whole again for the next test
            }
            awaitOwned(a, 2);
        }
    }

    /**
     * The node writer takes the partitions of one assignment over together: one whose leader is down must not keep the
     * others from becoming ready (its producers could not be described, which failed the whole takeover). Node a owns
     * both partitions, the leader of one goes down, and a is dropped from the group (its ownership thread stalls past
     * {@code max.poll.interval}); taken over again in one assignment, the other partition must become ready.
     */
    @Test
    void leaderOfOnePartitionDown_theOtherOfTheSameTakeoverBecomesReady_nodeWriter() throws Exception {
        String topic = TOPIC + "-one-down";
        KafkaTestCluster cluster3 = three();
        KafkaOptions oa = options(cluster3, topic, "one-down-a");
        List<Integer> brokers = createAwayFromCoordinator(cluster3, oa);
        try (KafkaEventLog a = withProperty(KafkaEventLog.WRITER_PROPERTY, "node", () -> KafkaEventLog.open(oa))) {
            awaitOwned(a, 2);
            cluster3.stopNode(brokers.get(1)); // partition 1 has no leader now
            try {
                a.freezeOwnership();
                Thread.sleep(5_000); // past max.poll.interval (4 s): the group drops a
                a.thawOwnership(); // a loses both partitions and is assigned both again, in one takeover
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!a.ownedPartitions().equals(List.of(0)) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertThat(a.ownedPartitions())
                        .as("partitions ready while partition 1 has no leader")
                        .containsExactly(0);
            } finally {
                cluster3.restartNode(brokers.get(1));
            }
            awaitOwned(a, 2);
        }
    }

    /**
     * Creates {@code o}'s 2-partition topic with one replica per partition, on the two brokers that do not coordinate
     * its ownership group (so that stopping one leaves the group, and the members' membership, alone).
     *
     * @return the broker of partition 0, then that of partition 1
     */
    private static List<Integer> createAwayFromCoordinator(KafkaTestCluster on, KafkaOptions o) throws Exception {
        try (Admin admin = Admin.create(on.clientConfig())) {
            int coordinator = offsetsLeader(admin, Clients.ownerGroup(o));
            List<Integer> others =
                    List.of(0, 1, 2).stream().filter(n -> n != coordinator).toList();
            admin.createTopics(List.of(
                            new NewTopic(o.topic(), Map.of(0, List.of(others.get(0)), 1, List.of(others.get(1))))
                                    .configs(Map.of("min.insync.replicas", "1"))))
                    .all()
                    .get();
            return others;
        }
    }

    /** The broker leading the {@code __consumer_offsets} partition of {@code group}: the group's coordinator. */
    private static int offsetsLeader(Admin admin, String group) throws Exception {
        int partition = Utils.abs(group.hashCode()) % 3; // offsets.topic.num.partitions of KafkaDevCluster
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                admin.listConsumerGroupOffsets(group).all().get(); // finds the coordinator: creates the topic
                org.apache.kafka.common.Node leader = admin.describeTopics(List.of("__consumer_offsets"))
                        .allTopicNames()
                        .get()
                        .get("__consumer_offsets")
                        .partitions()
                        .get(partition)
                        .leader();
                if (leader != null) {
                    return leader.id();
                }
            } catch (ExecutionException e) {
                if (System.nanoTime() > until) {
                    throw e;
                }
            }
            Thread.sleep(200);
        }
    }

    /** The shared 3-node cluster, for the tests that stop a broker (each starts it again). */
    private static KafkaTestCluster three() throws Exception {
        usedThree = true;
        return KafkaTestCluster.sharedThree();
    }

    private static boolean usedThree;

    /** Starts what a failed test left stopped: the next test, and the next class, need three brokers. */
    @AfterEach
    void restoreThree() throws Exception {
        if (usedThree) {
            KafkaTestCluster.sharedThree().restoreStopped();
        }
    }

    private static KafkaOptions options(KafkaTestCluster on, String topic, String node) {
        return KafkaOptions.defaults(on.bootstrapServers(), topic, dir.resolve(node))
                .withTopicLayout(2, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8));
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
