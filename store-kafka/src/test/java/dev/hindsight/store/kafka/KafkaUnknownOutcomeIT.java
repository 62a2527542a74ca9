package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An append whose transaction's outcome the node writer cannot know (its thread is interrupted while the commit is on
 * its way: the commit goes through, the append fails as "may or may not be stored") must not leave the owner checking
 * the next appends against an index that lacks the committed events. The client does what the failure tells it to:
 * it retries with the same event id, at once. That retry must resolve idempotently (the event is stored once, at
 * version 1), and every node must read each aggregate as exactly its one event.
 */
class KafkaUnknownOutcomeIT extends SharedKafkaCluster {
    private static KafkaOptions options(String node) {
        return options("unknown-outcome", node);
    }

    private static KafkaOptions options(String topic, String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve(node))
                .withTopicLayout(1, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
    }

    @Test
    void commitInterruptedOnItsWay_retryWithTheSameId_isStoredOnce() throws Exception {
        Map<String, UUID> appended = new TreeMap<>();
        int unknown = 0;
        try (KafkaEventLog owner = KafkaEventLog.open(options("owner"))) {
            EventStore store = EventStore.of(owner);
            store.append("warm-up", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            for (int i = 0; i < 12 && unknown < 4; i++) {
                String aggregate = "acct-" + i;
                EventData e = EventData.of("Opened", "{}").withId(UUID.randomUUID());
                appended.put(aggregate, e.eventId());
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        store.append(aggregate, ExpectedVersion.exact(0), e);
                    } catch (Throwable ex) {
                        failure.set(ex);
                    }
                });
                // interrupt the appender (the batch's leader) while it waits for its transaction's commit
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (t.isAlive() && System.nanoTime() < deadline) {
                    if (Arrays.stream(t.getStackTrace())
                            .anyMatch(f -> f.getMethodName().equals("commitTransaction"))) {
                        t.interrupt();
                        break;
                    }
                    Thread.onSpinWait();
                }
                t.join();
                if (failure.get() == null) {
                    continue; // committed and acknowledged before the interrupt landed
                }
                assertThat(failure.get()).isInstanceOf(HindsightException.TransientException.class);
                unknown++;
                // the retry the failure asks for, with the same event id
                AppendResult retried = retry(store, aggregate, e);
                assertThat(retried.firstVersion()).as(aggregate).isEqualTo(1);
            }
            System.out.printf("appends with an unknown outcome: %d%n", unknown);
            assertThat(unknown).isPositive();

            try (KafkaEventLog reader = KafkaEventLog.openReader(options("reader"))) {
                long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!reader.head().equals(owner.head()) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertThat(reader.head()).isEqualTo(owner.head());
                for (KafkaEventLog node : List.of(owner, reader)) {
                    Map<String, List<UUID>> stored = eventsByAggregate(node);
                    for (Map.Entry<String, UUID> a : appended.entrySet()) {
                        assertThat(stored.get(a.getKey()))
                                .as(a.getKey() + (node == owner ? " on the owner" : " on another node"))
                                .containsExactly(a.getValue());
                    }
                }
            }
        }
    }

    /**
     * An append whose transaction committed, interrupted while the writer records its events in the index (after the
     * commit): the append fails as "interrupted" though it is stored whole. Its retry must find it whole (the
     * original result), not half of it in the index ("a partial retry") or none (stored again). Both writers.
     */
    @Test
    void recordingInterruptedAfterTheCommit_retryFindsTheWholeAppend_partitionWriter() throws Exception {
        recordingInterruptedAfterTheCommit("partition");
    }

    @Test
    void recordingInterruptedAfterTheCommit_retryFindsTheWholeAppend_nodeWriter() throws Exception {
        recordingInterruptedAfterTheCommit("node");
    }

    private static void recordingInterruptedAfterTheCommit(String writer) throws Exception {
        KafkaEventLog owner = withProperty(
                KafkaEventLog.WRITER_PROPERTY,
                writer,
                () -> KafkaEventLog.open(options("recording-" + writer, "recording-" + writer)));
        int interrupted = 0;
        try (owner) {
            EventStore store = EventStore.of(owner);
            store.append("warm-up", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            for (int i = 0; i < 30 && interrupted < 2; i++) {
                String aggregate = "big-" + i;
                List<EventData> events = new ArrayList<>();
                for (int n = 0; n < 5000; n++) {
                    events.add(EventData.of("Line", "{\"n\":" + n + "}").withId(UUID.randomUUID()));
                }
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        store.append(aggregate, ExpectedVersion.NO_STREAM, events);
                    } catch (Throwable ex) {
                        failure.set(ex);
                    }
                });
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (t.isAlive() && System.nanoTime() < deadline) {
                    if (Arrays.stream(t.getStackTrace())
                            .anyMatch(f -> f.getMethodName().equals("recordCommitted"))) {
                        t.interrupt();
                        break;
                    }
                    Thread.onSpinWait();
                }
                t.join();
                if (failure.get() == null) {
                    continue;
                }
                assertThat(failure.get()).isInstanceOf(HindsightException.TransientException.class);
                interrupted++;
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                AppendResult retried;
                while (true) {
                    try {
                        retried = store.append(aggregate, ExpectedVersion.NO_STREAM, events);
                        break;
                    } catch (HindsightException.TransientException ex) {
                        assertThat(System.nanoTime()).as(aggregate + " retried").isLessThan(until);
                        Thread.sleep(20);
                    }
                }
                assertThat(retried.firstVersion()).as(aggregate).isEqualTo(1);
                assertThat(retried.lastVersion()).as(aggregate).isEqualTo(5000);
                assertThat(owner.readAggregate(aggregate, 1, 10_000, dev.hindsight.core.ReadDirection.FORWARD))
                        .extracting(RecordedEvent::eventId)
                        .as(aggregate)
                        .containsExactlyElementsOf(
                                events.stream().map(EventData::eventId).toList());
            }
        }
        System.out.printf("%s writer: %d appends interrupted after their commit%n", writer, interrupted);
        assertThat(interrupted).isPositive();
    }

    private static AppendResult retry(EventStore store, String aggregate, EventData e) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return store.append(aggregate, ExpectedVersion.exact(0), e);
            } catch (HindsightException.TransientException ex) {
                if (System.nanoTime() > deadline) {
                    throw ex;
                }
                Thread.sleep(20);
            }
        }
    }

    private static Map<String, List<UUID>> eventsByAggregate(KafkaEventLog log) {
        Map<String, List<UUID>> out = new TreeMap<>();
        Position cursor = log.start();
        while (true) {
            GlobalSlice slice = log.readAll(cursor, 1000, EventFilter.ALL);
            for (RecordedEvent e : slice.events()) {
                out.computeIfAbsent(e.aggregateId(), k -> new ArrayList<>()).add(e.eventId());
            }
            if (slice.events().isEmpty() && slice.next().equals(cursor)) {
                return out;
            }
            cursor = slice.next();
        }
    }
}
