package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared pieces of the integration tests: following the global log and checking what was delivered. */
final class GlobalLogChecks {
    private GlobalLogChecks() {}

    /**
     * A subscriber that keeps following the log: when its subscription stops with a failure (the store was
     * unreachable for longer than it retries), it subscribes again from the cursor it had reached. Thread-safe.
     */
    static final class Follower {
        private final EventStore store;
        private final ConcurrentLinkedQueue<RecordedEvent> received = new ConcurrentLinkedQueue<>();
        private final AtomicInteger resubscriptions = new AtomicInteger();
        private final Thread supervisor;
        private volatile Subscription current;
        private volatile boolean closed;

        Follower(EventStore store, String name) {
            this.store = store;
            this.current = store.subscribe(store.log().start(), EventFilter.ALL, received::add);
            this.supervisor =
                    Thread.ofPlatform().daemon().name("follower-" + name).start(this::supervise);
        }

        private void supervise() {
            while (!closed) {
                Subscription s = current;
                if (!s.isRunning() && !closed) {
                    Position from = s.position();
                    s.close();
                    resubscriptions.incrementAndGet();
                    current = store.subscribe(from, EventFilter.ALL, received::add);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        List<RecordedEvent> received() {
            return List.copyOf(received);
        }

        int resubscriptions() {
            return resubscriptions.get();
        }

        /** Waits until the follower has delivered everything up to {@code head}. */
        void awaitCaughtUp(Position head, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!current.position().covers(head)) {
                if (System.nanoTime() - deadline > 0) {
                    fail("follower at " + current.position() + " did not reach " + head + " in " + timeout
                            + " (received " + received.size() + ")");
                }
                Thread.sleep(5);
            }
        }

        /** Stops following. */
        void close() throws InterruptedException {
            closed = true;
            supervisor.join();
            current.close();
        }
    }

    /** The whole global log, paging with {@code next}. */
    static List<RecordedEvent> readWholeLog(EventStore store) {
        List<RecordedEvent> out = new ArrayList<>();
        Position cursor = store.log().start();
        while (true) {
            GlobalSlice slice = store.readAll(cursor, 10_000, EventFilter.ALL);
            out.addAll(slice.events());
            if (slice.events().isEmpty()) {
                return out;
            }
            cursor = slice.next();
        }
    }

    /** Positions strictly increase and every aggregate's versions run 1, 2, 3, ... in log order. */
    static void assertWellFormed(List<RecordedEvent> log) {
        Map<String, Long> versions = new HashMap<>();
        long previous = 0;
        for (RecordedEvent e : log) {
            long p = ((Position.Sequence) e.position()).value();
            assertThat(p).as("position after %s", previous).isGreaterThan(previous);
            previous = p;
            long expected = versions.merge(e.aggregateId(), 1L, Long::sum);
            assertThat(e.version())
                    .as("version of %s in log order", e.aggregateId())
                    .isEqualTo(expected);
        }
    }

    /** {@code delivered} is exactly {@code log}: same events, same order, each once. */
    static void assertDeliveredExactly(String who, List<RecordedEvent> delivered, List<RecordedEvent> log) {
        List<UUID> got = delivered.stream().map(RecordedEvent::eventId).toList();
        List<UUID> want = log.stream().map(RecordedEvent::eventId).toList();
        assertThat(got).as("%s: no event twice", who).doesNotHaveDuplicates();
        assertThat(got.size()).as("%s: number of events delivered", who).isEqualTo(want.size());
        assertThat(got).as("%s: the log's events in the log's order", who).isEqualTo(want);
    }
}
