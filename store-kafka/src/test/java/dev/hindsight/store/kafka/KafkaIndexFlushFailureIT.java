package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A node whose index run cannot be written (a full or broken disk) keeps indexing: the index is derived data, its
 * memtable keeps the entries (as the file engine's does, ADR 0008) and the write is retried after another
 * {@code memtableEvents} events. It used to stop the node's indexer for good at the first failure: the node's reads
 * stopped at that point and it could take no partition over, while {@code stoppedReason()} (so {@code /health}) said
 * all was well.
 */
class KafkaIndexFlushFailureIT extends SharedKafkaCluster {
    private static final String TOPIC = "flush-failure";
    private static final int MEMTABLE = 20;

    private static KafkaOptions options(String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), TOPIC, dir.resolve(node))
                .withTopicLayout(1, 1, 1)
                .withMemtableEvents(MEMTABLE)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
    }

    @Test
    void failedIndexWrite_keepsIndexing_andIsWrittenOnceTheDiskIsBack() throws Exception {
        try (KafkaEventLog owner = KafkaEventLog.open(options("owner"));
                KafkaEventLog reader = KafkaEventLog.openReader(options("reader"))) {
            EventStore store = EventStore.of(owner);
            // the reader's partition directory becomes a file: every index write there fails (even for root)
            Path partitionDir = dir.resolve("reader").resolve(TOPIC).resolve("p-0");
            Path aside = partitionDir.resolveSibling("p-0.aside");
            Files.move(partitionDir, aside);
            Files.writeString(partitionDir, "not a directory");

            append(store, "a-", 2 * MEMTABLE);
            awaitCaughtUp(reader, owner); // its memtable is full: it tried to write a run, and failed
            append(store, "b-", 2 * MEMTABLE);
            awaitCaughtUp(reader, owner);
            assertThat(reader.stoppedReason()).isEmpty();
            assertThat(reader.readAggregate("b-" + (2 * MEMTABLE - 1), 1, 10, ReadDirection.FORWARD))
                    .extracting(RecordedEvent::eventType)
                    .containsExactly("Opened");

            // the disk is back: a later attempt writes the runs
            Files.delete(partitionDir);
            Files.move(aside, partitionDir);
            append(store, "c-", 3 * MEMTABLE);
            awaitCaughtUp(reader, owner);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (runFiles(partitionDir) == 0 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(runFiles(partitionDir))
                    .as("index runs written after the disk came back")
                    .isPositive();
            assertThat(reader.storage().events()).isEqualTo(owner.storage().events());
            assertThat(reader.readAggregate("a-0", 1, 10, ReadDirection.FORWARD))
                    .extracting(RecordedEvent::eventType)
                    .containsExactly("Opened");
        }
    }

    private static void append(EventStore store, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            store.append(prefix + i, ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
        }
    }

    private static void awaitCaughtUp(KafkaEventLog reader, KafkaEventLog owner) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!reader.head().equals(owner.head()) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(reader.head()).as("the reader's head").isEqualTo(owner.head());
    }

    private static long runFiles(Path partitionDir) throws Exception {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> !f.getFileName().toString().endsWith(".manifest")
                            && !f.getFileName().toString().endsWith(".tmp"))
                    .count();
        }
    }
}
