package dev.hindsight.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.testkit.InMemoryCheckpointStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Acknowledgements that never come (a RabbitMQ stream client forgets the messages it had queued when the stream is
 * deleted, neither confirming nor failing them): the relay fails over within about a second when the sink knows why,
 * naming the sink's reason, and otherwise after its acknowledgement timeout with an error that names the target, the
 * event it waited for and how long; then it resumes from the last acknowledged position with a new sink. Before, it
 * waited 30 s per event and reported a bare {@code java.util.concurrent.TimeoutException}.
 */
class OutboxRelayUnacknowledgedTest {
    private static final RelayTarget TARGET = RelayTarget.parse("rabbitmq-stream://127.0.0.1:9/orders");

    @Test
    void aSinkThatKnowsItsAcknowledgementsWillNotComeFailsOverWithinSeconds() throws Exception {
        InMemoryEventLog log = new InMemoryEventLog();
        append(log, 3);
        // the first sink swallows everything and, asked, says why; the second acknowledges
        SilentSinks sinks = new SilentSinks(true);
        long started = System.nanoTime();
        try (OutboxRelay relay =
                OutboxRelay.start(log, new InMemoryCheckpointStore(), TARGET, sinks, Clock.systemUTC(), ms -> {})) {
            await(() -> relay.status().lastError() != null, Duration.ofSeconds(10));
            long failedAfterMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(relay.status().lastError())
                    .as("the sink's reason")
                    .isEqualTo("java.io.IOException: the stream orders does not exist");
            await(() -> relay.status().published().equals(log.head()), Duration.ofSeconds(10));
            assertThat(failedAfterMillis)
                    .as("failed over within seconds, not the 30 s timeout")
                    .isLessThan(5_000);
            assertThat(sinks.verified.get()).as("the sink was asked").isPositive();
            assertThat(relay.failures()).isEqualTo(1);
            assertThat(relay.status().lastError())
                    .as("cleared by the next batch")
                    .isNull();
            assertThat(sinks.published).extracting(RecordedEvent::position).containsExactlyElementsOf(positions(log));
        }
    }

    @Test
    void anAcknowledgementThatNeverComesFailsAfterTheTimeoutNamingWhatItWaitedFor() throws Exception {
        InMemoryEventLog log = new InMemoryEventLog();
        append(log, 3);
        RecordedEvent first =
                log.readAll(log.start(), 1, EventFilter.ALL).events().getFirst();
        SilentSinks sinks = new SilentSinks(false); // the first sink swallows everything and knows nothing
        try (OutboxRelay relay = OutboxRelay.start(
                log,
                new InMemoryCheckpointStore(),
                TARGET,
                sinks,
                Clock.systemUTC(),
                ms -> {},
                Duration.ofMillis(1_500))) {
            await(() -> relay.status().lastError() != null, Duration.ofSeconds(10));
            String error = relay.status().lastError();
            assertThat(error)
                    .startsWith("java.util.concurrent.TimeoutException: no acknowledgement from "
                            + "rabbitmq-stream://127.0.0.1:9/orders within 1500 ms for the event " + first.eventId())
                    .contains("position " + first.position())
                    .contains("aggregate " + first.aggregateId() + " version 1")
                    .contains("3 of the 3 events of its batch unacknowledged")
                    .contains("retrying from the last acknowledged position " + log.start());
            assertThat(sinks.verified.get())
                    .as("asked about once a second meanwhile")
                    .isPositive();
            await(() -> relay.status().published().equals(log.head()), Duration.ofSeconds(10));
            assertThat(sinks.published).extracting(RecordedEvent::position).containsExactlyElementsOf(positions(log));
        }
    }

    /** The first sink never acknowledges; later ones acknowledge at once. */
    private static final class SilentSinks implements RelaySink.Factory {
        private final boolean knowsWhy;
        private final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger verified = new AtomicInteger();
        final List<RecordedEvent> published = new CopyOnWriteArrayList<>();

        SilentSinks(boolean knowsWhy) {
            this.knowsWhy = knowsWhy;
        }

        @Override
        public RelaySink open() {
            boolean silent = opened.incrementAndGet() == 1;
            return new RelaySink() {
                @Override
                public void prepare() {}

                @Override
                public Future<?> send(RecordedEvent event) {
                    if (silent) {
                        return new CompletableFuture<Void>();
                    }
                    published.add(event);
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public void flush() {}

                @Override
                public void verify() throws IOException {
                    verified.incrementAndGet();
                    if (silent && knowsWhy) {
                        throw new IOException("the stream orders does not exist");
                    }
                }

                @Override
                public void close() {}
            };
        }
    }

    private static void append(InMemoryEventLog log, int n) {
        EventStore store = EventStore.of(log);
        for (int i = 0; i < n; i++) {
            store.append("a-" + i, ExpectedVersion.ANY, EventData.of("E", "{}"));
        }
    }

    private static List<Position> positions(InMemoryEventLog log) {
        return log.readAll(log.start(), 100, EventFilter.ALL).events().stream()
                .map(RecordedEvent::position)
                .toList();
    }

    private static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within " + within).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
