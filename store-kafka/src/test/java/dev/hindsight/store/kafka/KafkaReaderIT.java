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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaEventLog#openReader}: a read-only node beside a writing one reads what the writer appends, takes no
 * partition from it (the writer keeps all of them), and refuses appends.
 */
class KafkaReaderIT {
    @TempDir
    static Path dir;

    private static KafkaTestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.start(dir.resolve("cluster"), 1);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

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
