package dev.hindsight.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.testkit.InMemoryCheckpointStore;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A failing sink is counted in {@link OutboxRelay.Status#failures()} (the metric {@code hindsight_relay_failures_total}
 * reads it) and the count stays after the relay recovers, while {@code lastError} clears: a failure between two scrapes
 * of {@code last_error} is not lost.
 */
class OutboxRelayFailureTest {
    @Test
    void failedAttemptsAreCountedAndOutliveTheRecovery() throws Exception {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = EventStore.of(log);
        for (int i = 0; i < 3; i++) {
            store.append("a-" + i, ExpectedVersion.ANY, EventData.of("E", "{}"));
        }
        // the relay closes its sink after a failure and opens a new one for the retry: the first two refuse everything
        RecordingSinks sinks = new RecordingSinks(2);
        try (OutboxRelay relay = OutboxRelay.start(
                log,
                new InMemoryCheckpointStore(),
                RelayTarget.parse("kafka://127.0.0.1:9/t"),
                sinks,
                Clock.systemUTC(),
                ms -> {})) {
            await(() -> relay.status().published().equals(log.head()));
            OutboxRelay.Status status = relay.status();
            assertThat(status.lastError()).as("cleared by the successful batch").isNull();
            assertThat(status.failures()).as("each failed attempt counted once").isEqualTo(2);
            assertThat(relay.failures()).isEqualTo(2);
            assertThat(sinks.published())
                    .extracting(RecordedEvent::position)
                    .containsExactlyElementsOf(log.readAll(log.start(), 10, EventFilter.ALL).events().stream()
                            .map(RecordedEvent::position)
                            .toList());
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 15 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
