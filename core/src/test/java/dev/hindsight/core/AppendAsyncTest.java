package dev.hindsight.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.memory.InMemoryEventLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link EventStore#appendAsync} over an engine without an asynchronous writer (the {@code EventLog} default): the
 * append runs on the calling thread and the future is already complete, with the result or with the exception
 * {@code append} throws; nothing is thrown.
 */
class AppendAsyncTest {
    private final EventStore store = EventStore.of(new InMemoryEventLog());

    @Test
    void appendAsync_completedWithTheResult() {
        CompletableFuture<AppendResult> f =
                store.appendAsync("a", ExpectedVersion.NO_STREAM, List.of(EventData.of("T", "{\"k\":1}")));

        assertThat(f).isDone();
        assertThat(f.join().lastVersion()).isEqualTo(1);
        assertThat(store.read("a").version()).isEqualTo(1);
    }

    @Test
    void appendAsync_conflict_completedExceptionally() {
        store.append("a", ExpectedVersion.ANY, EventData.of("T", "{}"));

        CompletableFuture<AppendResult> f =
                store.appendAsync("a", ExpectedVersion.NO_STREAM, List.of(EventData.of("T", "{}")));

        assertThat(f)
                .failsWithin(0, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(WrongExpectedVersionException.class);
    }

    @Test
    void appendAsync_malformed_completedExceptionally() {
        CompletableFuture<AppendResult> f =
                store.appendAsync("", ExpectedVersion.ANY, List.of(EventData.of("T", "{}")));

        assertThat(f)
                .failsWithin(0, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .havingCause()
                .isInstanceOf(InvalidRequestException.class);
        assertThat(store.head()).isEqualTo(store.log().start());
    }
}
