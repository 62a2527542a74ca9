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
import dev.hindsight.store.kafka.internal.NodeWriter;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Pipelined lanes (opt-in, {@code hindsight.kafka.pipeline=true}; ADR 0010, session-15 amendment): batch 1 commits
 * and its recording is interrupted (the commit went through, the appender hears "interrupted": an unknown outcome,
 * which makes the partition not ready until it is taken over again); batch 2 was sent meanwhile, checked against batch
 * 1's events, and waits for it to commit; the leader of batch 3 has taken its appends from the queue (the partition
 * was still ready) and waits for batch 1 before it checks them. Batch 3 must not then be checked against an index
 * that lacks batch 1's events (the indexer lags: here it is held): an append to batch 1's aggregate got version 2,
 * which batch 1 had already written.
 */
class KafkaPipelinedUnknownOutcomeIT extends SharedKafkaCluster {

    private static KafkaOptions options(String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), "pipelined-unknown", dir.resolve(node))
                .withTopicLayout(1, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
    }

    @Test
    void batchTakenBeforeAnEarlierOneFailed_isNotCheckedAgainstAnIndexWithoutThatBatch() throws Exception {
        KafkaEventLog owner =
                withProperty(NodeWriter.PIPELINE_PROPERTY, "true", () -> KafkaEventLog.open(options("owner")));
        try (owner) {
            EventStore store = EventStore.of(owner);
            store.append("warm-up", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            // the writer records a committed batch in the node's record cache, under its monitor: holding it stops
            // batch 1 right after its commit, at its first event, without stopping the checks or sends of others
            Object cache = field(owner, "cache");
            // and the indexer, which would otherwise index batch 1 (committed) before batch 3 is checked, is held at
            // the end of its round, where it signals waiters under its lock (a busy indexer: flushing a run, catching
            // up)
            Object indexer = field(owner, "indexer");
            ReentrantLock indexing = (ReentrantLock) field(indexer, "lock");
            Thread indexerThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("hindsight-kafka-indexer-pipelined-unknown"))
                    .findFirst()
                    .orElseThrow();

            List<EventData> first = List.of(
                    EventData.of("Opened", "{}").withId(UUID.randomUUID()),
                    EventData.of("Deposited", "{}").withId(UUID.randomUUID()));
            EventData other = EventData.of("Opened", "{}").withId(UUID.randomUUID());
            EventData third = EventData.of("Deposited", "{}").withId(UUID.randomUUID());
            AtomicReference<Object> r1 = new AtomicReference<>();
            AtomicReference<Object> r2 = new AtomicReference<>();
            AtomicReference<Object> r3 = new AtomicReference<>();
            Thread t1;
            Thread t2;
            Thread t3;
            indexing.lock();
            try {
                awaitIn(indexerThread, "signal", "park");
                synchronized (cache) {
                    t1 = start(r1, () -> store.append("acct", ExpectedVersion.NO_STREAM, first));
                    awaitIn(t1, "recordCommitted", "put");
                    t2 = start(r2, () -> store.append("other", ExpectedVersion.NO_STREAM, other));
                    awaitIn(t2, "commit", "awaitDone"); // batch 2 sent, its commit step waits for batch 1
                    t3 = start(r3, () -> store.append("acct", ExpectedVersion.ANY, third));
                    awaitIn(t3, "sendBatch", "awaitDone"); // batch 3 taken from the queue, waits for batch 1
                    t1.interrupt();
                }
                // batch 3 is checked once batches 1 and 2 failed: it fails too, or it is written and commits
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (t3.isAlive()
                        && Arrays.stream(t3.getStackTrace())
                                .noneMatch(e -> e.getMethodName().equals("recordCommitted"))
                        && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
            } finally {
                indexing.unlock();
            }
            t1.join();
            t2.join();
            t3.join();
            System.out.printf("batch 1: %s%nbatch 2: %s%nbatch 3: %s%n", r1.get(), r2.get(), r3.get());
            assertThat(r1.get()).isInstanceOf(HindsightException.TransientException.class);
            assertThat(r2.get()).isInstanceOf(HindsightException.TransientException.class); // aborted after batch 1

            // the clients retry what failed, with the same event ids
            AppendResult thirdResult = r3.get() instanceof AppendResult r
                    ? r
                    : retry(() -> store.append("acct", ExpectedVersion.ANY, third));
            assertThat(thirdResult.firstVersion())
                    .as("the append after batch 1's two events")
                    .isEqualTo(3);
            AppendResult firstResult = retry(() -> store.append("acct", ExpectedVersion.NO_STREAM, first));
            assertThat(firstResult.firstVersion()).isEqualTo(1);
            assertThat(firstResult.lastVersion()).isEqualTo(2);
            retry(() -> store.append("other", ExpectedVersion.NO_STREAM, other));

            try (KafkaEventLog reader = KafkaEventLog.openReader(options("reader"))) {
                long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!reader.head().equals(owner.head()) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                List<RecordedEvent> acct = new ArrayList<>();
                Position cursor = reader.start();
                while (true) {
                    GlobalSlice slice = reader.readAll(cursor, 1000, EventFilter.ALL);
                    slice.events().stream()
                            .filter(e -> e.aggregateId().equals("acct"))
                            .forEach(acct::add);
                    if (slice.next().equals(cursor)) {
                        break;
                    }
                    cursor = slice.next();
                }
                assertThat(acct)
                        .extracting(RecordedEvent::version)
                        .as("versions of acct in the log")
                        .containsExactly(1L, 2L, 3L);
                assertThat(acct)
                        .extracting(RecordedEvent::eventId)
                        .containsExactly(first.get(0).eventId(), first.get(1).eventId(), third.eventId());
            }
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }

    private static Thread start(AtomicReference<Object> result, Callable<AppendResult> append) {
        return Thread.ofPlatform().start(() -> {
            try {
                result.set(append.call());
            } catch (Throwable e) {
                result.set(e);
            }
        });
    }

    /** Waits until {@code t}'s stack holds the method {@code outer} and, above it, {@code inner}. */
    private static void awaitIn(Thread t, String outer, String inner) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> methods = Arrays.stream(t.getStackTrace())
                    .map(StackTraceElement::getMethodName)
                    .toList();
            int o = methods.indexOf(outer);
            int i = methods.indexOf(inner);
            if (o >= 0 && i >= 0 && i < o) {
                Thread.sleep(50); // parked, not just passing through
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(
                t + " never reached " + inner + " in " + outer + ": " + Arrays.toString(t.getStackTrace()));
    }

    private static AppendResult retry(Callable<AppendResult> append) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return append.call();
            } catch (HindsightException.TransientException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
