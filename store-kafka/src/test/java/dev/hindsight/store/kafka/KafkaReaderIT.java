package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreLockedException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaEventLog#openReader}: a read-only node beside a writing one reads what the writer appends, takes no
 * partition from it (the writer keeps all of them), and refuses appends.
 */
class KafkaReaderIT extends SharedKafkaCluster {
    private static KafkaOptions options(String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), "reader-topic", dir.resolve(node))
                .withTopicLayout(3, 1, 1);
    }

    @Test
    void reader_readsTheWritersEvents_ownsNothing_andRefusesAppends() throws Exception {
        try (KafkaEventLog writer = KafkaEventLog.open(options("writer"));
                KafkaEventLog reader = KafkaEventLog.openReader(options("reader"))) {
            EventStore store = EventStore.of(writer);
            AppendResult last = null;
            for (int i = 0; i < 9; i++) {
                last = store.append("agg-" + (i % 3), ExpectedVersion.ANY, EventData.of("Read", "{\"i\":" + i + "}"));
            }

            assertThat(reader.readOnly()).isTrue();
            assertThat(EventStore.of(reader).awaitPosition(last.position(), Duration.ofSeconds(30)))
                    .isTrue();
            List<RecordedEvent> agg0 = reader.readAggregate("agg-0", 1, 100, ReadDirection.FORWARD);
            assertThat(agg0).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L);
            assertThat(reader.aggregateVersion("agg-2")).isEqualTo(3);
            assertThat(reader.readAll(reader.start(), 100, EventFilter.ALL).events())
                    .hasSize(9);
            assertThat(reader.ownedPartitions()).isEmpty();
            assertThat(writer.ownedPartitions()).containsExactly(0, 1, 2);
            assertThatThrownBy(() ->
                            EventStore.of(reader).append("agg-0", ExpectedVersion.ANY, EventData.of("Nope", "{}")))
                    .isInstanceOf(ReadOnlyStoreException.class)
                    .hasMessageContaining("read-only")
                    .hasMessageContaining("api role");
        }
    }

    @Test
    void globalReads_fromTheInMemoryTail_equalReadsFromKafka_pageByPage() throws Exception {
        KafkaOptions topic = KafkaOptions.defaults(cluster.bootstrapServers(), "tail-topic", dir.resolve("tail-writer"))
                .withTopicLayout(3, 1, 1);
        try (KafkaEventLog writer = KafkaEventLog.open(topic)) {
            EventStore store = EventStore.of(writer);
            AppendResult last = null;
            for (int i = 0; i < 600; i++) {
                last = store.append("agg-" + (i % 40), ExpectedVersion.ANY, EventData.of("Tail", "{\"i\":" + i + "}"));
            }
            // the writer's tail holds everything it wrote; one reader has no tail (every read is a Kafka fetch), one
            // a tail of 100 events per partition (reads near the start fetch, later ones mix both sources)
            KafkaEventLog kafkaOnly = openReaderWithTail(topic, "tail-none", 0);
            KafkaEventLog mixed = openReaderWithTail(topic, "tail-small", 300);
            try (kafkaOnly;
                    mixed) {
                for (KafkaEventLog r : List.of(kafkaOnly, mixed)) {
                    assertThat(EventStore.of(r).awaitPosition(last.position(), Duration.ofSeconds(30)))
                            .isTrue();
                }
                for (int page : new int[] {7, 100, 1000}) {
                    List<String> fromTail = pages(writer, page);
                    assertThat(fromTail.stream().filter(l -> !l.startsWith("next ")))
                            .as("page size %d", page)
                            .hasSize(600)
                            .doesNotHaveDuplicates();
                    assertThat(pages(kafkaOnly, page)).as("page size %d", page).isEqualTo(fromTail);
                    assertThat(pages(mixed, page)).as("page size %d", page).isEqualTo(fromTail);
                }
                List<String> types = new java.util.ArrayList<>();
                for (RecordedEvent e :
                        writer.readAll(writer.start(), 1000, EventFilter.ALL).events()) {
                    types.add(e.aggregateId() + "@" + e.version());
                }
                assertThat(types).doesNotHaveDuplicates().hasSize(600);
            }
        }
    }

    @Test
    void readPartitions_readOnlyThose_andGroupMembersSplitThePartitions() throws Exception {
        KafkaOptions topic = KafkaOptions.defaults(
                        cluster.bootstrapServers(), "split-topic", dir.resolve("split-writer"))
                .withTopicLayout(3, 1, 1);
        try (KafkaEventLog writer = KafkaEventLog.open(topic);
                KafkaEventLog a = KafkaEventLog.openReader(topic.withIndexDir(dir.resolve("split-a")));
                KafkaEventLog b = KafkaEventLog.openReader(topic.withIndexDir(dir.resolve("split-b")))) {
            EventStore store = EventStore.of(writer);
            AppendResult last = null;
            for (int i = 0; i < 30; i++) {
                last = store.append("agg-" + (i % 10), ExpectedVersion.ANY, EventData.of("Split", "{\"i\":" + i + "}"));
            }
            assertThat(EventStore.of(a).awaitPosition(last.position(), Duration.ofSeconds(30)))
                    .isTrue();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int p = 0; p < 3; p++) {
                dev.hindsight.core.Position at = a.start();
                long previous = -1;
                while (true) {
                    dev.hindsight.core.GlobalSlice page = a.readPartitions(List.of(p), at, 4, EventFilter.ALL);
                    for (RecordedEvent e : page.events()) {
                        assertThat(a.partitionOf(e.aggregateId())).isEqualTo(p);
                        long offset = ((dev.hindsight.core.Position.Vector) e.position()).offset(p);
                        assertThat(offset).isGreaterThan(previous);
                        previous = offset;
                        assertThat(seen.add(e.aggregateId() + "@" + e.version()))
                                .isTrue();
                    }
                    long[] next = ((dev.hindsight.core.Position.Vector) page.next()).offsets();
                    for (int q = 0; q < 3; q++) {
                        if (q != p) {
                            assertThat(next[q])
                                    .as("entry %d untouched by a read of %d", q, p)
                                    .isZero();
                        }
                    }
                    if (page.events().isEmpty()) {
                        assertThat(a.awaitPartitions(List.of(p), page.next(), Duration.ofMillis(50)))
                                .isFalse();
                        break;
                    }
                    at = page.next();
                }
            }
            assertThat(seen).hasSize(30);
            assertThat(a.readPartitions(List.of(0, 2), a.start(), 100, EventFilter.ALL)
                            .events())
                    .as("two partitions read together")
                    .hasSize((int) seen.stream()
                            .filter(k -> a.partitionOf(k.substring(0, k.indexOf('@'))) != 1)
                            .count());
            assertThatThrownBy(() -> a.readPartitions(List.of(3), a.start(), 1, EventFilter.ALL))
                    .isInstanceOf(dev.hindsight.core.InvalidRequestException.class);

            List<Integer> heldByA = new java.util.concurrent.CopyOnWriteArrayList<>();
            GroupMembership ma = a.joinGroup("split-test", listener(heldByA));
            GroupMembership mb = b.joinGroup("split-test", listener(new java.util.concurrent.CopyOnWriteArrayList<>()));
            try (mb) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (ma.partitions().isEmpty()
                        || mb.partitions().isEmpty()
                        || ma.partitions().size() + mb.partitions().size() != 3) {
                    assertThat(System.nanoTime())
                            .as("two members split 3 partitions")
                            .isLessThan(deadline);
                    Thread.sleep(50);
                }
                assertThat(ma.partitions()).doesNotContainAnyElementsOf(mb.partitions());
                while (!heldByA.equals(ma.partitions())) { // the listener runs just after the membership notes them
                    assertThat(System.nanoTime())
                            .as("the listener heard what the group assigned")
                            .isLessThan(deadline);
                    Thread.sleep(10);
                }
                ma.close(); // leaves the group: its partitions move to b
                assertThat(heldByA).as("revoked on leaving").isEmpty();
                while (mb.partitions().size() != 3) {
                    assertThat(System.nanoTime())
                            .as("the other member takes all")
                            .isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
        }
    }

    private static PartitionListener listener(List<Integer> held) {
        return new PartitionListener() {
            @Override
            public void assigned(List<Integer> partitions) {
                held.addAll(partitions);
                held.sort(null);
            }

            @Override
            public void revoked(List<Integer> partitions) {
                held.removeAll(partitions);
            }
        };
    }

    private static KafkaEventLog openReaderWithTail(KafkaOptions topic, String node, int tailEvents) {
        System.setProperty(KafkaEventLog.TAIL_EVENTS_PROPERTY, Integer.toString(tailEvents));
        try {
            return KafkaEventLog.openReader(
                    KafkaOptions.defaults(topic.bootstrapServers(), topic.topic(), dir.resolve(node))
                            .withTopicLayout(3, 1, 1));
        } finally {
            System.clearProperty(KafkaEventLog.TAIL_EVENTS_PROPERTY);
        }
    }

    /** Every event id of a whole read in pages of {@code size}, each page closed by its next position. */
    private static List<String> pages(KafkaEventLog log, int size) {
        List<String> out = new java.util.ArrayList<>();
        dev.hindsight.core.Position at = log.start();
        while (true) {
            dev.hindsight.core.GlobalSlice s = log.readAll(at, size, EventFilter.ALL);
            if (s.events().isEmpty()) {
                return out;
            }
            s.events().forEach(e -> out.add(e.eventId() + " " + e.position()));
            out.add("next " + s.next());
            at = s.next();
        }
    }

    @Test
    void sameIndexDirectory_secondNodeRefused_untilTheFirstCloses() {
        KafkaOptions shared = options("shared");
        try (KafkaEventLog first = KafkaEventLog.openReader(shared)) {
            assertThatThrownBy(() -> KafkaEventLog.openReader(shared))
                    .isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining("in use by another node")
                    .hasMessageContaining("--data-dir");
            assertThat(first.readOnly()).isTrue();
        }
        try (KafkaEventLog again = KafkaEventLog.openReader(shared)) {
            assertThat(again.readOnly()).isTrue();
        }
    }
}
