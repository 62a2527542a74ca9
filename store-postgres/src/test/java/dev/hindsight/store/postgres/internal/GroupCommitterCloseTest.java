package dev.hindsight.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link GroupCommitter#submit} racing {@link GroupCommitter#close}: an append that passed the closed check before
 * close() queued the writers' stops, and is queued only after them, must not be left in the queue with no writer to
 * take it (its appender would wait forever). Here the submitting thread is held right after the check (while it sizes
 * the events) until close() has returned.
 */
class GroupCommitterCloseTest {
    private static final String URL =
            System.getenv().getOrDefault("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");

    @Test
    void submitRacingClose_neverLeftInTheQueue() throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(URL);
        ds.setUser(System.getenv().getOrDefault("HINDSIGHT_PG_USER", "hindsight"));
        ds.setPassword(System.getenv().getOrDefault("HINDSIGHT_PG_PASSWORD", "hindsight"));
        GroupCommitter group = new GroupCommitter(
                ds,
                new AppendCall("t_unused", "t_unused", NotifyClaims.NEVER),
                new SingleAppend("t_unused", "t_unused", NotifyClaims.NEVER),
                2,
                "close-race",
                new InlineHooks(),
                Duration.ZERO);
        CountDownLatch sizing = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ProposedEvent event = new ProposedEvent(
                UUID.randomUUID(), "a", "E", 1, "{}", "{}", Instant.parse("2026-12-07T00:00:00Z"), false);
        // the appender's events: reading them (submit sizes them) signals, then waits until close() has returned
        List<ProposedEvent> events = new AbstractList<>() {
            @Override
            public ProposedEvent get(int index) {
                sizing.countDown();
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return event;
            }

            @Override
            public int size() {
                return 1;
            }
        };
        CompletableFuture<Object> appender = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                appender.complete(group.submit(new AppendCall.Request("a", ExpectedVersion.ANY, events)));
            } catch (Throwable t) {
                appender.completeExceptionally(t);
            }
        });
        assertThat(sizing.await(10, TimeUnit.SECONDS)).isTrue();
        group.close();
        closed.countDown();

        assertThat(appender)
                .as("the append is refused as closed, not left behind the writers' stops")
                .failsWithin(10, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOf(StoreClosedException.class);
    }
}
