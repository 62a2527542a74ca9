package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.awaitUntil;
import static dev.hindsight.testkit.TckSupport.byAggregate;
import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.ids;
import static dev.hindsight.testkit.TckSupport.isAfter;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.runConcurrently;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.Subscription;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Subscriptions over the global log: every committed event after the start cursor exactly once, in order (in total
 * order for totally ordered engines, per aggregate otherwise), catch-up then live, even while many writers commit;
 * a throwing handler stops its subscription and reports why.
 *
 * <p>Each test first checks that the log itself holds what was acknowledged, so a broken engine fails at once instead
 * of after the delivery deadline.
 */
public abstract class SubscriptionTck extends TckFixture {
    private static final int WRITERS = 16;
    private static final int APPENDS_PER_WRITER = 40;

    private final Queue<RecordedEvent> received = new ConcurrentLinkedQueue<>();

    @Test
    void subscribe_fromStartBeforeSixteenWriters_receivesEveryEventOnceInOrder() throws Exception {
        // The real clock: store-assigned timestamps race on the shared aggregate, and the engine must absorb that.
        EventStore writers = EventStore.of(log);
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();

        try (Subscription sub = store.subscribe(log.start(), EventFilter.ALL, received::add)) {
            runConcurrently(WRITERS, w -> {
                long own = 0;
                for (int i = 0; i < APPENDS_PER_WRITER; i++) {
                    List<EventData> batch = events(1 + i % 2);
                    if (i % 2 == 0) {
                        own = writers.append("sub-" + w, ExpectedVersion.exact(own), batch)
                                .lastVersion();
                    } else {
                        writers.append("sub-shared", ExpectedVersion.ANY, batch);
                    }
                    batch.forEach(e -> acknowledged.add(e.eventId()));
                }
            });
            List<RecordedEvent> all = readWholeLog(store);
            assertThat(ids(all)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(acknowledged);

            awaitCaughtUp(sub);

            assertDeliveredExactlyOnceInOrder(all);
            assertThat(sub.failure()).isEmpty();
            assertThat(sub.isRunning()).isTrue();
        }
    }

    @Test
    void subscribe_fromMiddle_receivesOnlyLaterEvents() throws Exception {
        store.append("order-1", ExpectedVersion.NO_STREAM, events(5));
        store.append("order-1", ExpectedVersion.exact(5), events(5));
        GlobalSlice firstFive = store.readAll(log.start(), 5, EventFilter.ALL);
        assertThat(versions(firstFive.events())).containsExactly(1L, 2L, 3L, 4L, 5L);

        try (Subscription sub = store.subscribe(firstFive.next(), EventFilter.ALL, received::add)) {
            store.append("order-1", ExpectedVersion.exact(10), events(2));
            assertThat(store.read("order-1").version()).isEqualTo(12);

            awaitCaughtUp(sub);

            assertThat(versions(List.copyOf(received)))
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(6, 12).boxed().toList());
            assertThat(sub.failure()).isEmpty();
        }
    }

    @Test
    void subscribe_catchUpThenLive_receivesStoredAndNewEvents() throws Exception {
        for (int i = 0; i < 10; i++) {
            store.append("order-" + (i % 2), ExpectedVersion.ANY, events(2));
        }
        assertThat(readWholeLog(store)).hasSize(20);

        try (Subscription sub = store.subscribe(log.start(), EventFilter.ALL, received::add)) {
            awaitCaughtUp(sub);
            assertThat(received).hasSize(20);
            for (int i = 0; i < 10; i++) {
                store.append("order-" + (i % 3), ExpectedVersion.ANY, events(2));
            }
            List<RecordedEvent> all = readWholeLog(store);
            assertThat(all).hasSize(40);

            awaitCaughtUp(sub);

            assertDeliveredExactlyOnceInOrder(all);
            assertThat(sub.failure()).isEmpty();
        }
    }

    @Test
    void subscribe_withFilter_receivesOnlyMatchingEvents() throws Exception {
        for (int i = 0; i < 12; i++) {
            store.append("order-" + (i % 2), ExpectedVersion.ANY, event(i % 3 == 0 ? "OrderPaid" : "Other", "{}"));
        }
        EventFilter paid = new EventFilter(Set.of("OrderPaid"), "");
        List<RecordedEvent> expected = readWholeLog(store, paid);
        assertThat(expected).hasSize(4);

        try (Subscription sub = store.subscribe(log.start(), paid, received::add)) {
            awaitCaughtUp(sub);
            assertThat(List.copyOf(received)).isEqualTo(expected);
            store.append("order-1", ExpectedVersion.ANY, event("Other", "{}"));
            store.append("order-1", ExpectedVersion.ANY, event("OrderPaid", "{}"));
            awaitCaughtUp(sub);

            assertThat(List.copyOf(received))
                    .isEqualTo(readWholeLog(store, paid))
                    .hasSize(5);
            assertThat(sub.failure()).isEmpty();
        }
    }

    @Test
    void subscribe_handlerThrows_stopsWithFailure() throws Exception {
        store.append("order-1", ExpectedVersion.ANY, events(3));
        assertThat(readWholeLog(store)).hasSize(3);
        IllegalStateException boom = new IllegalStateException("handler failed on purpose");
        AtomicInteger calls = new AtomicInteger();

        try (Subscription sub = store.subscribe(log.start(), EventFilter.ALL, e -> {
            if (calls.incrementAndGet() == 2) {
                throw boom;
            }
        })) {
            awaitUntil(() -> "the subscription stops", () -> !sub.isRunning());

            assertThat(sub.failure())
                    .hasValueSatisfying(t -> assertThat(Stream.iterate(t, Objects::nonNull, Throwable::getCause)
                                    .anyMatch(c -> c == boom))
                            .as("failure %s is or is caused by the handler's exception", t)
                            .isTrue());
            assertThat(calls.get()).isEqualTo(2);
        }
    }

    /**
     * Waits until the subscription's cursor covers the current head: from then on every event up to the head has been
     * handed to the handler (or skipped by its filter), so what it received can be compared with the log.
     */
    private void awaitCaughtUp(Subscription sub) throws InterruptedException {
        Position head = store.head();
        awaitUntil(
                () -> "the subscription at " + sub.position() + " catches up with head " + head + " (" + received.size()
                        + " events received)",
                () -> !sub.isRunning() || sub.position().covers(head));
        assertThat(sub.failure()).isEmpty();
        assertThat(sub.isRunning()).isTrue();
    }

    /** What was delivered is exactly {@code all}: each once, in position order or at least per aggregate. */
    private void assertDeliveredExactlyOnceInOrder(List<RecordedEvent> all) {
        List<RecordedEvent> got = List.copyOf(received);
        assertThat(ids(got)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(all));
        if (log.totallyOrdered()) {
            assertThat(ids(got)).containsExactlyElementsOf(ids(all));
            for (int i = 1; i < got.size(); i++) {
                assertThat(isAfter(got.get(i).position(), got.get(i - 1).position()))
                        .as(
                                "delivered position %s after %s",
                                got.get(i).position(), got.get(i - 1).position())
                        .isTrue();
            }
        }
        byAggregate(got)
                .forEach((aggregate, own) -> assertThat(versions(own))
                        .as(aggregate)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, own.size()).boxed().toList()));
    }
}
