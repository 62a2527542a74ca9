package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the file engine while asynchronous appends are queued and arriving: every future completes (stored, or
 * refused as closed), and every acknowledged append is in the log after a reopen, at the position it was acknowledged
 * with; nothing unacknowledged is stored.
 */
class AsyncAppendCloseTest {
    @TempDir
    Path dir;

    @Test
    void closeWithAsyncAppendsInFlight_completesEveryFuture_andAcknowledgedMeansStored() throws Exception {
        FileEventLog log = FileEventLog.open(small(dir).withFsync(FsyncPolicy.ALWAYS));
        EventStore store = EventStore.of(log);
        int threads = 4;
        List<List<CompletableFuture<AppendResult>>> perThread = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(threads * 300); // 300 appends acknowledged per thread
        List<Thread> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<AppendResult>> mine = new ArrayList<>();
            perThread.add(mine);
            String aggregate = "agg-" + t;
            appenders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    if (i >= 256) { // at most 256 in flight per thread
                        mine.get(i - 256).handle((r, e) -> null).join();
                    }
                    CompletableFuture<AppendResult> f = store.appendAsync(
                            aggregate,
                            ExpectedVersion.ANY,
                            List.of(EventData.of("T", "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}")));
                    mine.add(f);
                    f.thenRun(started::countDown);
                    if (f.isCompletedExceptionally()) {
                        return; // closed: refused at once
                    }
                }
            }));
        }
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        log.close();
        for (Thread t : appenders) {
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
        }

        Map<Long, String> acknowledged = new HashMap<>();
        int refused = 0;
        for (List<CompletableFuture<AppendResult>> mine : perThread) {
            for (CompletableFuture<AppendResult> f : mine) {
                try {
                    AppendResult r = f.get(10, TimeUnit.SECONDS);
                    acknowledged.put(((dev.hindsight.core.Position.Sequence) r.position()).value(), r.aggregateId());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(StoreClosedException.class);
                    refused++;
                }
            }
        }
        assertThat(acknowledged).isNotEmpty();
        assertThat(refused).isEqualTo(threads);

        try (FileEventLog reopened = FileEventLog.open(small(dir))) {
            List<RecordedEvent> all = FileLogTestSupport.readWholeLog(reopened);
            assertThat(all).hasSize(acknowledged.size());
            for (RecordedEvent e : all) {
                long p = ((dev.hindsight.core.Position.Sequence) e.position()).value();
                assertThat(acknowledged.get(p)).isEqualTo(e.aggregateId());
            }
        }
    }
}
