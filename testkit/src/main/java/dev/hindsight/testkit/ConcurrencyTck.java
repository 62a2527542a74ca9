package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.ids;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.runConcurrently;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many writers at once: the expected-version check and version assignment are atomic, so concurrent appends never
 * produce gaps, duplicate versions, or events that were stored although their append failed.
 *
 * <p>Writers use the real, moving clock: store-assigned timestamps are read before the engine serializes appends, so a
 * writer that read the clock earlier may commit later; the engine must then move that timestamp up to the previous
 * event's rather than reject the append.
 */
public abstract class ConcurrencyTck extends TckFixture {
    private static final int WRITERS = 16;
    private static final int ATTEMPTS_PER_WRITER = 150;

    private EventStore writers;

    @BeforeEach
    final void movingClockStore() {
        writers = EventStore.of(log);
    }

    @Test
    void append_sixteenWritersAtExactVersionOnOneAggregate_storesEachVersionOnce() throws Exception {
        AtomicInteger successes = new AtomicInteger();
        AtomicInteger successfulEvents = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();

        runConcurrently(WRITERS, w -> {
            for (int i = 0; i < ATTEMPTS_PER_WRITER; i++) {
                long v = writers.read("order-1", 1, 1, ReadDirection.FORWARD).version();
                int size = 1 + (i % 3);
                try {
                    AppendResult r = writers.append("order-1", ExpectedVersion.exact(v), events(size));
                    assertThat(r.firstVersion()).isEqualTo(v + 1);
                    assertThat(r.lastVersion()).isEqualTo(v + size);
                    successes.incrementAndGet();
                    successfulEvents.addAndGet(size);
                } catch (WrongExpectedVersionException e) {
                    assertThat(e.actual()).isNotEqualTo(v);
                    conflicts.incrementAndGet();
                }
            }
        });

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(successes.get()).isPositive();
        assertThat(successes.get() + conflicts.get()).isEqualTo(WRITERS * ATTEMPTS_PER_WRITER);
        assertThat(stored).hasSize(successfulEvents.get());
        assertThat(versions(stored))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, successfulEvents.get())
                        .boxed()
                        .toList());
        assertThat(ids(stored)).doesNotHaveDuplicates();
        assertThat(store.read("order-1").version()).isEqualTo(successfulEvents.get());
        assertThat(readWholeLog(store)).hasSize(successfulEvents.get());
    }

    @Test
    void append_sixteenWritersWithAnyOnOneAggregate_storesEveryEventContiguously() throws Exception {
        int perWriter = 50;

        runConcurrently(WRITERS, w -> {
            for (int i = 0; i < perWriter; i++) {
                writers.append("order-1", ExpectedVersion.ANY, event(i));
            }
        });

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(versions(stored))
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, WRITERS * perWriter).boxed().toList());
        assertThat(ids(stored)).doesNotHaveDuplicates();
    }

    @Test
    void append_sixteenWritersRacingToCreate_onlyOneWins() throws Exception {
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();

        runConcurrently(WRITERS, w -> {
            try {
                writers.append("order-1", ExpectedVersion.NO_STREAM, events(3));
                wins.incrementAndGet();
            } catch (WrongExpectedVersionException e) {
                assertThat(e.actual()).isEqualTo(3);
                conflicts.incrementAndGet();
            }
        });

        assertThat(wins.get()).isEqualTo(1);
        assertThat(conflicts.get()).isEqualTo(WRITERS - 1);
        assertThat(versions(store.read("order-1").events())).containsExactly(1L, 2L, 3L);
        assertThat(readWholeLog(store)).hasSize(3);
    }

    @Test
    void append_sixteenWritersOnOwnAggregates_keepsEveryAggregateContiguous() throws Exception {
        int perWriter = 40;

        runConcurrently(WRITERS, w -> {
            for (int i = 0; i < perWriter; i++) {
                writers.append("order-" + w, ExpectedVersion.exact(i), event(i));
            }
        });

        for (int w = 0; w < WRITERS; w++) {
            assertThat(versions(store.read("order-" + w).events()))
                    .as("order-%d", w)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, perWriter).boxed().toList());
        }
        assertThat(readWholeLog(store)).hasSize(WRITERS * perWriter);
    }
}
