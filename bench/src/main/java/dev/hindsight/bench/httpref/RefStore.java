package dev.hindsight.bench.httpref;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.server.internal.AppendRequest;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What a reference server does with one single-event append once it has its id, {@code Expected-Version} header and
 * body: the JSON of the {@code 201} answer, when the append is durable. Thread-safe.
 */
sealed interface RefStore extends AutoCloseable {

    /**
     * The append's answer, {@code {"aggregate_id","first_version","last_version","position"}} as {@code serve} writes
     * it for a plain id; completes exceptionally when the append fails. May complete on another thread (the engine's).
     */
    CompletableFuture<byte[]> append(String aggregateId, @Nullable String expectedVersion, byte[] body);

    @Override
    void close();

    /** The answer's JSON for a plain id (ASCII throughout): the bytes {@code serve}'s template writes. */
    static byte[] answer(String aggregateId, long firstVersion, long lastVersion, String position) {
        return ("{\"aggregate_id\":\"" + aggregateId + "\",\"first_version\":" + firstVersion + ",\"last_version\":"
                        + lastVersion + ",\"position\":\"" + position + "\"}")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** No store: every append is answered at once as a new aggregate's first event, positions counted up. */
    final class None implements RefStore {
        private final AtomicLong positions = new AtomicLong();

        @Override
        public CompletableFuture<byte[]> append(String aggregateId, @Nullable String expectedVersion, byte[] body) {
            return CompletableFuture.completedFuture(
                    answer(aggregateId, 1, 1, Long.toString(positions.incrementAndGet())));
        }

        @Override
        public void close() {}
    }

    /**
     * The file engine ({@code fsync} per commit batch, as {@code serve} runs it) behind {@link EventStore#appendAsync},
     * the body parsed by the server's own parser: the work {@code serve} does per append, less its metrics, access
     * checks and error answers. The future completes on the engine's acknowledgement thread.
     */
    final class File implements RefStore {
        private final EventStore store;

        File(Path dir) {
            this.store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir)));
        }

        @Override
        public CompletableFuture<byte[]> append(String aggregateId, @Nullable String expectedVersion, byte[] body) {
            try {
                ExpectedVersion expected =
                        expectedVersion == null ? ExpectedVersion.ANY : ExpectedVersion.parse(expectedVersion);
                return store.appendAsync(aggregateId, expected, AppendRequest.parse(body))
                        .thenApply(File::answer);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private static byte[] answer(AppendResult r) {
            return RefStore.answer(
                    r.aggregateId(),
                    r.firstVersion(),
                    r.lastVersion(),
                    r.position().toString());
        }

        @Override
        public void close() {
            store.close(); // and the engine
        }
    }
}
