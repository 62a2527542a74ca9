package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The per-aggregate and event-id index on disk: with a memtable of 5 events, most lookups go through index runs
 * (hash hits verified against records); after a reopen the node resumes from its runs instead of re-reading the topic,
 * and answers the same.
 */
class KafkaIndexIT extends SharedKafkaCluster {
    @Test
    void smallMemtable_readsAndChecksGoThroughRuns_andSurviveReopen() throws Exception {
        KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "indexed", dir.resolve("node"))
                .withTopicLayout(2, 1, 1)
                .withMemtableEvents(5);
        Map<String, List<UUID>> written = new HashMap<>();
        List<AppendResult> results = new ArrayList<>();
        List<EventData> firstAppend;
        try (KafkaEventLog log = KafkaEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            firstAppend = List.of(event(), event());
            results.add(store.append("agg-0", ExpectedVersion.NO_STREAM, firstAppend));
            written.put(
                    "agg-0",
                    new ArrayList<>(firstAppend.stream().map(EventData::eventId).toList()));
            for (int i = 0; i < 60; i++) {
                String aggregate = "agg-" + (i % 6);
                List<UUID> ids = written.computeIfAbsent(aggregate, k -> new ArrayList<>());
                EventData e = event();
                store.append(aggregate, ExpectedVersion.exact(ids.size()), e);
                ids.add(e.eventId());
            }
            assertReads(log, written);
            assertThat(runFiles()).as("index runs written").isNotEmpty();
            // counted through the runs and the memtable; bytes from the broker's log directory
            var use = log.storage();
            assertThat(use.events()).isEqualTo(62);
            assertThat(use.bytes()).isGreaterThan(62L * 100);

            // an old append's retry is found through the event-id runs and answered with its original result
            assertThat(store.append("agg-0", ExpectedVersion.NO_STREAM, firstAppend))
                    .isEqualTo(results.getFirst());
            assertThatThrownBy(() -> store.append("agg-5", ExpectedVersion.ANY, firstAppend.getFirst()))
                    .isInstanceOf(DuplicateEventIdException.class);
        }
        try (KafkaEventLog reopened = KafkaEventLog.open(options)) {
            assertReads(reopened, written);
            assertThat(reopened.storage().events()).isEqualTo(62);
            EventStore store = EventStore.of(reopened);
            EventData e = event();
            AppendResult r = store.append(
                    "agg-1", ExpectedVersion.exact(written.get("agg-1").size()), e);
            written.get("agg-1").add(e.eventId());
            assertThat(r.lastVersion()).isEqualTo(written.get("agg-1").size());
            assertThat(store.append("agg-0", ExpectedVersion.NO_STREAM, firstAppend))
                    .isEqualTo(results.getFirst());
            assertReads(reopened, written);
        }
    }

    private static void assertReads(KafkaEventLog log, Map<String, List<UUID>> written) {
        for (Map.Entry<String, List<UUID>> w : written.entrySet()) {
            String aggregate = w.getKey();
            List<UUID> ids = w.getValue();
            assertThat(log.aggregateVersion(aggregate)).as(aggregate).isEqualTo(ids.size());
            List<RecordedEvent> all = log.readAggregate(aggregate, 1, 1000, ReadDirection.FORWARD);
            assertThat(all).extracting(RecordedEvent::eventId).containsExactlyElementsOf(ids);
            List<RecordedEvent> window = log.readAggregate(aggregate, 3, 4, ReadDirection.FORWARD);
            assertThat(window).extracting(RecordedEvent::version).containsExactly(3L, 4L, 5L, 6L);
            List<RecordedEvent> newest = log.readAggregate(aggregate, Long.MAX_VALUE, 2, ReadDirection.BACKWARD);
            assertThat(newest).extracting(RecordedEvent::version).containsExactly((long) ids.size(), ids.size() - 1L);
        }
    }

    /** The index's run files; the indexer may rename or merge runs meanwhile, so a walk that hits one is retried. */
    private static List<Path> runFiles() throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> files = Files.walk(dir.resolve("node"))) {
                return files.filter(f -> f.getFileName().toString().endsWith(".run"))
                        .toList();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static EventData event() {
        return EventData.of("Indexed", "{}").withId(UUID.randomUUID());
    }
}
