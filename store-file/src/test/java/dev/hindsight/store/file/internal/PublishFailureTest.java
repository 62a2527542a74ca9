package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure while a durable write is being published (the indexes half updated, e.g. out of memory) stops the writer:
 * later appends are refused instead of being written over the durable frames with the same positions, and a reopen
 * recovers every durable event once, in order.
 */
class PublishFailureTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearFault() {
        GroupCommitWriter.publishFaultForTests = null;
    }

    @Test
    void failureWhilePublishing_refusesLaterAppends_andReopenRecoversTheDurableWrite() throws Exception {
        FileLogOptions options = FileLogOptions.defaults(dir).withFsync(FsyncPolicy.ALWAYS);
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            assertThat(store.log().stoppedReason()).isEmpty();
            store.append("a-1", ExpectedVersion.NO_STREAM, EventData.of("T", "{\"n\":1}"));
            AtomicBoolean fired = new AtomicBoolean();
            GroupCommitWriter.publishFaultForTests = () -> {
                if (fired.compareAndSet(false, true)) {
                    throw new IllegalStateException("publish fault");
                }
            };

            assertThatThrownBy(() -> store.append("a-2", ExpectedVersion.NO_STREAM, EventData.of("T", "{\"n\":2}")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("publish fault");
            assertThat(fired).isTrue();
            assertThatThrownBy(() -> store.append("a-3", ExpectedVersion.NO_STREAM, EventData.of("T", "{\"n\":3}")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("reopen");
            assertThat(store.log().stoppedReason())
                    .hasValueSatisfying(reason -> assertThat(reason).contains("publish fault", "reopen"));
        }

        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            assertThat(store.log().stoppedReason()).isEmpty();
            List<RecordedEvent> all =
                    store.readAll(Position.START, 100, EventFilter.ALL).events();
            // a-2 was written and fsynced before publishing failed: it is in the log (its append was reported as
            // failed,
            // and a retry with the same event id would find it); a-3 was never written
            assertThat(all).extracting(RecordedEvent::aggregateId).containsExactly("a-1", "a-2");
            assertThat(all)
                    .extracting(e -> ((Position.Sequence) e.position()).value())
                    .containsExactly(1L, 2L);
            assertThat(store.read("a-2").version()).isEqualTo(1);
            store.append("a-3", ExpectedVersion.NO_STREAM, EventData.of("T", "{\"n\":3}"));
            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .extracting(RecordedEvent::aggregateId)
                    .containsExactly("a-1", "a-2", "a-3");
        }
    }

    /**
     * A publish failure that is a {@code HindsightException} inside a mid-batch flush (the batch outgrew the buffer)
     * used to be taken for the rejection of the one append being staged: the batch went on, a later append of it was
     * acknowledged after the writer had stopped, and the next flush published the staged appends again.
     */
    @Test
    void hindsightExceptionWhilePublishingAMidBatchFlush_failsTheWholeBatch() throws Exception {
        FileLogOptions options = FileLogOptions.builder(dir)
                .fsync(FsyncPolicy.ALWAYS)
                .maxBatchBytes(64 * 1024)
                .build();
        String note = "x".repeat(40 * 1024); // two such events do not fit in one 64 KiB buffer
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            store.append("a-0", ExpectedVersion.NO_STREAM, EventData.of("T", "{\"n\":0}"));
            CountDownLatch inFirstPublish = new CountDownLatch(1);
            CountDownLatch queued = new CountDownLatch(1);
            AtomicInteger publishes = new AtomicInteger();
            GroupCommitWriter.publishFaultForTests = () -> {
                int n = publishes.incrementAndGet();
                if (n == 1) { // hold the writer in a batch of its own while the next three queue behind it
                    inFirstPublish.countDown();
                    try {
                        queued.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else if (n == 2) { // the mid-batch flush of the next batch, made by its second append
                    throw new StoreUnavailableException("publish fault");
                }
            };
            CompletableFuture<?> held =
                    store.appendAsync("a-1", ExpectedVersion.NO_STREAM, List.of(EventData.of("T", "{\"n\":1}")));
            inFirstPublish.await();
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 2; i <= 4; i++) {
                batch.add(store.appendAsync(
                        "a-" + i,
                        ExpectedVersion.NO_STREAM,
                        List.of(EventData.of("T", "{\"note\":\"" + note + "\"}"))));
            }
            queued.countDown();
            held.get(10, TimeUnit.SECONDS);

            for (CompletableFuture<?> f : batch) {
                assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(StoreUnavailableException.class);
            }
            assertThat(store.log().stoppedReason()).isPresent();
        }
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            // a-2 was written and fsynced by the failed flush; a-3 and a-4 never were; nothing is there twice
            assertThat(store.readAll(Position.START, 100, EventFilter.ALL).events())
                    .extracting(RecordedEvent::aggregateId)
                    .containsExactly("a-0", "a-1", "a-2");
        }
    }
}
