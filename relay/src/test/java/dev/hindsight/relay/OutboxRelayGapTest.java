package dev.hindsight.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.GapAfterStartLog;
import dev.hindsight.testkit.InMemoryCheckpointStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A page with no events whose {@code next} still moves (the file engine's answer after scanning 100,000 positions that
 * retention deleted; EventLog.readAll allows it) is not the end of the log: the relay goes on from {@code next} and
 * publishes what follows (it read the same empty page again and again, publishing nothing more).
 */
class OutboxRelayGapTest {
    @Test
    void emptyPageThatMovesTheCursor_relayGoesOnFromItsNext() throws Exception {
        InMemoryEventLog memory = new InMemoryEventLog();
        EventStore store = EventStore.of(memory);
        for (int i = 0; i < 5; i++) {
            store.append("a-" + i, ExpectedVersion.ANY, EventData.of("E", "{}"));
        }
        EventLog log = new GapAfterStartLog(memory, Position.of(3)); // positions 1-3 read as a gap, as deleted ones
        RecordingSinks sinks = new RecordingSinks(0);
        List<RecordedEvent> published = sinks.published();
        InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();
        try (OutboxRelay relay = OutboxRelay.start(
                log, checkpoints, RelayTarget.parse("kafka://127.0.0.1:9/t"), sinks, Clock.systemUTC(), ms -> {})) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (published.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(published).extracting(RecordedEvent::position).containsExactly(Position.of(4), Position.of(5));
            while (!relay.status().published().equals(Position.of(5)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(relay.status().published()).isEqualTo(Position.of(5));
        }
    }
}
