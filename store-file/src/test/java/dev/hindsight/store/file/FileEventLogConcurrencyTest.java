package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.spi.ProposedEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appends, reads and close racing each other on the file engine. */
class FileEventLogConcurrencyTest {
    @TempDir
    Path dir;

    /** Holds the writer thread inside the commit observer of the next batch until released. */
    private static final class WriterGate implements CommitObserver {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean armed = new AtomicBoolean(true);

        @Override
        public void committed(int appends, int events, long bytes, long fsyncNanos) {
            if (armed.getAndSet(false)) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void readAggregate_whileMultiEventAppendsPublish_neverSeesPartOfAnAppend() throws Exception {
        int batch = 256;
        try (FileEventLog log =
                FileEventLog.open(small(dir).withFsync(FsyncPolicy.NEVER).withSegmentBytes(64L << 20))) {
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong partial = new AtomicLong(-1);
            Thread writer = Thread.ofPlatform().start(() -> {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                long id = 0;
                while (!done.get() && System.nanoTime() < deadline) {
                    List<ProposedEvent> events = new ArrayList<>(batch);
                    for (int i = 0; i < batch; i++) {
                        events.add(proposed("agg-1", new UUID(42, ++id)));
                    }
                    log.append("agg-1", ExpectedVersion.ANY, events);
                }
                done.set(true);
            });
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    long v = log.aggregateVersion("agg-1");
                    if (v % batch != 0) {
                        partial.set(v);
                        done.set(true);
                    }
                }
            });
            writer.join();
            reader.join();
            assertThat(partial.get())
                    .as("a reader saw a version in the middle of an atomic append")
                    .isEqualTo(-1);
        }
    }

    @Test
    void close_byAnInterruptedThread_stillFinishesInFlightAppends() throws Exception {
        FileEventLog log = FileEventLog.open(small(dir));
        EventStore store = EventStore.of(log);
        WriterGate gate = new WriterGate();
        log.onCommit(gate);
        store.append("agg-1", ExpectedVersion.NO_STREAM, EventData.of("First", "{}"));
        assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue(); // the writer is now held in the observer
        CompletableFuture<AppendResult> inFlight = CompletableFuture.supplyAsync(
                () -> store.append("agg-1", ExpectedVersion.exact(1), EventData.of("Second", "{}")));
        Thread.sleep(200); // let it reach the writer's queue
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                // release anyway
            }
            gate.release.countDown();
        });
        Thread.currentThread().interrupt();
        log.close();
        boolean stillInterrupted = Thread.interrupted();
        releaser.join();

        assertThat(stillInterrupted)
                .as("close keeps the caller's interrupt status")
                .isTrue();
        assertThat(inFlight.handle((r, e) -> e == null ? r.lastVersion() : e.getCause())
                        .get(10, TimeUnit.SECONDS))
                .as("the append queued before close finishes")
                .isEqualTo(2L);
        try (FileEventLog reopened = FileEventLog.open(small(dir))) {
            assertThat(reopened.aggregateVersion("agg-1")).isEqualTo(2);
        }
    }

    @Test
    void awaitAfter_whenTheLogCloses_returnsAtOnce() throws Exception {
        FileEventLog log = FileEventLog.open(small(dir));
        EventStore.of(log).append("agg-1", ExpectedVersion.ANY, EventData.of("X", "{}"));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return log.awaitAfter(log.head(), java.time.Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        long t0 = System.nanoTime();
        log.close();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void append_afterClose_failsWithStoreClosed() {
        FileEventLog log = FileEventLog.open(small(dir));
        log.close();
        EventStore store = EventStore.of(log);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> store.append("agg-1", ExpectedVersion.ANY, EventData.of("X", "{}")))
                .isInstanceOf(StoreClosedException.class);
    }

    @Test
    void append_withNoEventsInTheSameBatch_doesNotLeakIntoLaterAppends() throws Exception {
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            EventStore store = EventStore.of(log);
            WriterGate gate = new WriterGate();
            log.onCommit(gate);
            store.append("agg-0", ExpectedVersion.NO_STREAM, EventData.of("First", "{}"));
            assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<AppendResult> staged = CompletableFuture.supplyAsync(
                    () -> log.append("agg-x", ExpectedVersion.ANY, List.of(proposed("agg-x"))));
            Thread.sleep(200);
            CompletableFuture<AppendResult> empty =
                    CompletableFuture.supplyAsync(() -> log.append("agg-y", ExpectedVersion.ANY, List.of()));
            Thread.sleep(200);
            gate.release.countDown();
            Throwable stagedOutcome = staged.handle((r, e) -> e).get(10, TimeUnit.SECONDS);
            empty.handle((r, e) -> e).get(10, TimeUnit.SECONDS);

            AppendResult later = store.append("agg-z", ExpectedVersion.NO_STREAM, EventData.of("Later", "{}"));
            long xVersion = log.aggregateVersion("agg-x");
            if (stagedOutcome != null) {
                assertThat(xVersion).as("a failed append leaves no trace").isZero();
            } else {
                assertThat(xVersion).isEqualTo(1);
            }
            List<RecordedEvent> z = store.read("agg-z").events();
            assertThat(z).hasSize(1);
            assertThat(z.getFirst().aggregateId()).isEqualTo("agg-z");
            assertThat(z.getFirst().position()).isEqualTo(later.position());
            assertThat(log.verify(10).problems()).isEmpty();
        }
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    private static ProposedEvent proposed(String aggregate) {
        return proposed(aggregate, UUID.randomUUID());
    }

    private static ProposedEvent proposed(String aggregate, UUID id) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new ProposedEvent(id, aggregate, "Staged", 1, "{}", "{\"timestamp\":\"" + t + "\"}", t, false);
    }
}
