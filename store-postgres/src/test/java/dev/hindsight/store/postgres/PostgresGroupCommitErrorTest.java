package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} thrown inside a group-commit batch (here by an inline hook, as an assertion in a user's hook would)
 * fails the batch's appends and leaves the writer running: before, it ended the writer thread with the batch's futures
 * never completed, so those appenders, and with one writer every later grouped append, waited forever.
 */
class PostgresGroupCommitErrorTest {
    @Test
    void errorInABatch_failsItsAppends_andTheWriterGoesOn() throws Exception {
        String schema = PgTestSupport.newSchema("gcerror");
        // a lone append goes through the committer
        PostgresOptions options = PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(5));
        // appenders on threads nobody waits for: before the fix they never returned
        Executor threads = r -> Thread.ofVirtual().start(r);
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            InlineAppendHook failing = (c, events) -> {
                throw new AssertionError("hook assertion");
            };
            log.addInlineHook(failing);
            Future<AppendResult> failed = CompletableFuture.supplyAsync(
                    () -> store.append("a", ExpectedVersion.ANY, EventData.of("E", "{}")), threads);

            assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(AssertionError.class)
                    .hasStackTraceContaining("hook assertion");
            assertThat(log.aggregateVersion("a")).isZero();

            log.removeInlineHook(failing);
            Future<AppendResult> next = CompletableFuture.supplyAsync(
                    () -> store.append("b", ExpectedVersion.ANY, EventData.of("E", "{}")), threads);
            assertThat(next.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            assertThat(log.groupCommitStats().batches()).isEqualTo(2);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void interruptLeftSetByAHook_doesNotEndTheWriter() throws Exception {
        String schema = PgTestSupport.newSchema("gcintr");
        PostgresOptions options = PgTestSupport.groupCommitOptions(schema, Duration.ofMillis(5));
        Executor threads = r -> Thread.ofVirtual().start(r);
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            // a hook that re-asserts an interrupt it caught, as it should: on the writer's thread that flag stays set
            InlineAppendHook interrupting =
                    (c, events) -> Thread.currentThread().interrupt();
            log.addInlineHook(interrupting);
            Future<AppendResult> first = CompletableFuture.supplyAsync(
                    () -> store.append("a", ExpectedVersion.ANY, EventData.of("E", "{}")), threads);
            assertThat(first.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            log.removeInlineHook(interrupting);

            Future<AppendResult> next = CompletableFuture.supplyAsync(
                    () -> store.append("b", ExpectedVersion.ANY, EventData.of("E", "{}")), threads);

            // before the fix the writer's next wait threw, the (only) writer ended, and this append waited for good
            assertThat(next.get(10, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
