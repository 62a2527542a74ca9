package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.WrongExpectedVersionException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code EventStore.appendAsync} on the file engine: the writer's acknowledgement thread completes the future after
 * the durable write, with the result {@code append} would have returned or the exception it would have thrown; a
 * rejection is completed there too, never on the writer thread.
 */
class AsyncAppendTest {
    @TempDir
    Path dir;

    @Test
    void appendAsync_completesOnTheAcknowledgementThread_withTheStoredResult() throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir).withFsync(FsyncPolicy.ALWAYS)))) {
            AtomicReference<String> thread = new AtomicReference<>();
            CompletableFuture<AppendResult> f =
                    store.appendAsync("a", ExpectedVersion.NO_STREAM, List.of(EventData.of("T", "{\"k\":1}")));
            AppendResult r = f.whenComplete((ok, failure) ->
                            thread.compareAndSet(null, Thread.currentThread().getName()))
                    .get(10, TimeUnit.SECONDS);

            assertThat(r.firstVersion()).isEqualTo(1);
            assertThat(r.lastVersion()).isEqualTo(1);
            assertThat(store.read("a").version()).isEqualTo(1);
            // the dependent action ran either here (already complete) or on the engine's acknowledgement thread
            assertThat(thread.get()).isIn(Thread.currentThread().getName(), "hindsight-acks");
        }
    }

    @Test
    void appendAsync_conflict_failsWithTheExceptionAppendThrows_offTheWriterThread() throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            store.append("a", ExpectedVersion.ANY, EventData.of("T", "{}"));
            CompletableFuture<String> failedOn = new CompletableFuture<>();
            // a dependent stage registered before the writer can judge it (the queue hand-off is quicker than a batch
            // in most runs; when it is not, the stage runs here, which the assertion allows)
            CompletableFuture<AppendResult> f =
                    store.appendAsync("a", ExpectedVersion.NO_STREAM, List.of(EventData.of("T", "{}")));
            f.whenComplete(
                    (ok, failure) -> failedOn.complete(Thread.currentThread().getName()));

            assertThat(f)
                    .failsWithin(10, TimeUnit.SECONDS)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(WrongExpectedVersionException.class);
            assertThat(failedOn.get(10, TimeUnit.SECONDS)).isNotEqualTo("hindsight-writer");
        }
    }

    @Test
    void appendAsync_manyInFlight_eachCompletesInOrderOfVersions() throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                futures.add(
                        store.appendAsync("a", ExpectedVersion.ANY, List.of(EventData.of("T", "{\"i\":" + i + "}"))));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).join().lastVersion()).isEqualTo(i + 1);
            }
            assertThat(store.read("a").version()).isEqualTo(500);
        }
    }

    @Test
    void appendAsync_invalidEvent_failedFutureNotAThrow() {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            CompletableFuture<AppendResult> f = store.appendAsync("a", ExpectedVersion.ANY, List.of());

            assertThat(f).isCompletedExceptionally();
            assertThat(f)
                    .failsWithin(0, TimeUnit.SECONDS)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    void appendAsync_afterClose_failsWithStoreClosed() {
        FileEventLog log = FileEventLog.open(small(dir));
        log.close();

        CompletableFuture<AppendResult> f =
                EventStore.of(log).appendAsync("a", ExpectedVersion.ANY, List.of(EventData.of("T", "{}")));

        assertThat(f)
                .failsWithin(0, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOf(StoreClosedException.class);
    }
}
