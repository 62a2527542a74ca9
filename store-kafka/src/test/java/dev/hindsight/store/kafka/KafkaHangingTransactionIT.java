package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.internal.Clients;
import dev.hindsight.store.kafka.internal.RecordCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With the node writer ({@code hindsight.kafka.writer=node}): a node writer that died inside a transaction leaves it open: its records hold the partition's last stable offset
 * back, so nothing written after them becomes readable until the transaction ends. The next owner must end it (by
 * fencing its {@code transactional.id}) instead of waiting for the transaction timeout, and the dead transaction's
 * event must never count: the new owner's append gets version 1 and reads show only it.
 */
class KafkaHangingTransactionIT extends SharedKafkaCluster {
    private static @Nullable String writerBefore;

    @BeforeAll
    static void nodeWriter() {
        writerBefore = System.setProperty(KafkaEventLog.WRITER_PROPERTY, "node");
    }

    @AfterAll
    static void stopCluster() {
        if (writerBefore == null) {
            System.clearProperty(KafkaEventLog.WRITER_PROPERTY);
        } else {
            System.setProperty(KafkaEventLog.WRITER_PROPERTY, writerBefore);
        }
    }

    @Test
    void deadWritersOpenTransaction_isAbortedByTheNextOwner_longBeforeTheTransactionTimeout() throws Exception {
        Duration transactionTimeout = Duration.ofSeconds(30);
        KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "hang", dir.resolve("node"))
                .withTopicLayout(2, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), transactionTimeout);
        KafkaEventLog.open(options).close(); // creates the topic

        String aggregate = "order-1";
        int partition = RecordCodec.partitionOf(aggregate, 2);
        String deadId = Clients.nodeTransactionalIdPrefix("hang") + "deadnode-t0";
        try (KafkaProducer<byte[], byte[]> dead = Clients.nodeWriter(options, deadId, "dead-node")) {
            dead.initTransactions();
            dead.beginTransaction();
            Instant now = Instant.now();
            ProposedEvent ghost = new ProposedEvent(
                    UUID.randomUUID(), aggregate, "Ghost", 1, "{}", "{\"timestamp\":\"" + now + "\"}", now, false);
            dead.send(RecordCodec.encode("hang", partition, ghost, 1, now)).get();
            // the node "dies" here: the transaction stays open on the partition

            long t0 = System.nanoTime();
            try (KafkaEventLog next = KafkaEventLog.open(options.withIndexDir(dir.resolve("next")))) {
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("took the partitions over in %d ms%n", tookMs);
                assertThat(next.ownedPartitions()).containsExactly(0, 1);
                assertThat(tookMs).isLessThan(transactionTimeout.toMillis() / 2);

                EventStore store = EventStore.of(next);
                var result = store.append(aggregate, ExpectedVersion.NO_STREAM, EventData.of("Placed", "{}"));
                assertThat(result.firstVersion()).isEqualTo(1);
                List<RecordedEvent> read = next.readAggregate(aggregate, 1, 10, ReadDirection.FORWARD);
                assertThat(read).extracting(RecordedEvent::eventType).containsExactly("Placed");
                assertThat(next.readAll(next.start(), 100, dev.hindsight.core.EventFilter.ALL)
                                .events())
                        .extracting(RecordedEvent::eventType)
                        .containsExactly("Placed");
            }
        }
    }

    /**
     * A takeover aborts only the transactions that may hold the partitions it takes over. Another node writer's
     * transaction of the topic that has been open as long but writes elsewhere (a live node's long batch on its own
     * partitions; here on another topic, since which partition the group gives a second node is not up to the test)
     * is left alone: it still commits.
     */
    @Test
    void takeover_leavesAnotherNodesLongTransactionOnOtherPartitionsAlone() throws Exception {
        String topic = "hang-scope";
        KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve("scope"))
                .withTopicLayout(1, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(30));
        KafkaEventLog.open(options).close(); // creates the topic
        String elsewhere = topic + "-elsewhere";
        try (Admin admin = Admin.create(Clients.admin(options, "scope-admin"))) {
            admin.createTopics(List.of(new NewTopic(elsewhere, 1, (short) 1)))
                    .all()
                    .get();
        }

        String aggregate = "order-1";
        String prefix = Clients.nodeTransactionalIdPrefix(topic);
        try (KafkaProducer<byte[], byte[]> live = Clients.nodeWriter(options, prefix + "livenode-t0", "live-node");
                KafkaProducer<byte[], byte[]> dead = Clients.nodeWriter(options, prefix + "deadnode-t0", "dead-node")) {
            live.initTransactions();
            live.beginTransaction();
            live.send(new ProducerRecord<>(elsewhere, 0, new byte[] {1}, new byte[] {1}))
                    .get();
            dead.initTransactions();
            dead.beginTransaction();
            Instant now = Instant.now();
            ProposedEvent ghost = new ProposedEvent(
                    UUID.randomUUID(), aggregate, "Ghost", 1, "{}", "{\"timestamp\":\"" + now + "\"}", now, false);
            dead.send(RecordCodec.encode(topic, 0, ghost, 1, now)).get();

            try (KafkaEventLog next = KafkaEventLog.open(options.withIndexDir(dir.resolve("scope-next")))) {
                assertThat(next.ownedPartitions()).containsExactly(0);
                var result =
                        EventStore.of(next).append(aggregate, ExpectedVersion.NO_STREAM, EventData.of("Placed", "{}"));
                assertThat(result.firstVersion()).isEqualTo(1);
            }
            // the live node's batch was open as long as the dead one's, but on none of the partitions taken over
            live.commitTransaction();
        }
    }
}
