package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.EventLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Writers for fault tests: each thread appends one event at a time to its own aggregate with an exact expected
 * version, through whichever node a router picks; an attempt that fails (not owner, fenced, unavailable) is retried
 * with the same event id, possibly on another node, until it is acknowledged, so the idempotent retry resolves
 * outcomes the writer could not see. Records every acknowledged event id. Thread-safe.
 */
final class Appenders {
    private static final Duration RETRY_FOR = Duration.ofSeconds(60);

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, List<UUID>> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Starts {@code n} writers on aggregates {@code prefix-0 .. prefix-(n-1)}.
     *
     * @param router the store to try on the {@code attempt}-th attempt
     */
    Appenders(int n, String prefix, IntFunction<EventStore> router) {
        for (int i = 0; i < n; i++) {
            String aggregate = prefix + "-" + i;
            List<UUID> acked = new ArrayList<>();
            acknowledged.put(aggregate, java.util.Collections.synchronizedList(acked));
            threads.add(Thread.ofPlatform().name("appender-" + aggregate).start(() -> run(aggregate, router)));
        }
    }

    private void run(String aggregate, IntFunction<EventStore> router) {
        List<UUID> acked = acknowledged.get(aggregate);
        try {
            while (running.get()) {
                EventData e =
                        EventData.of("Appended", "{\"n\":" + acked.size() + "}").withId(UUID.randomUUID());
                long deadline = System.nanoTime() + RETRY_FOR.toNanos();
                for (int attempt = 0; ; attempt++) {
                    try {
                        router.apply(attempt).append(aggregate, ExpectedVersion.exact(acked.size()), e);
                        acked.add(e.eventId());
                        break;
                    } catch (HindsightException.TransientException ex) {
                        failedAttempts.incrementAndGet();
                        if (System.nanoTime() > deadline) {
                            throw ex;
                        }
                        Thread.sleep(20);
                    }
                }
            }
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    int acknowledgedCount() {
        return acknowledged.values().stream().mapToInt(List::size).sum();
    }

    int failedAttempts() {
        return failedAttempts.get();
    }

    /** Stops the writers after their current event and rethrows the first unexpected error. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("an appender failed", errors.getFirst());
        }
    }

    /**
     * Checks the whole log of {@code log}: every acknowledged event is there exactly once, at the version it was
     * acknowledged at (contiguous from 1 per aggregate), and nothing else of these aggregates is.
     */
    void assertLogHoldsExactlyTheAcknowledged(EventLog log) {
        Map<String, List<RecordedEvent>> byAggregate = new TreeMap<>();
        Position cursor = log.start();
        while (true) {
            GlobalSlice slice = log.readAll(cursor, 1000, dev.hindsight.core.EventFilter.ALL);
            for (RecordedEvent e : slice.events()) {
                if (acknowledged.containsKey(e.aggregateId())) {
                    byAggregate
                            .computeIfAbsent(e.aggregateId(), k -> new ArrayList<>())
                            .add(e);
                }
            }
            if (slice.events().isEmpty() && slice.next().equals(cursor)) {
                break;
            }
            cursor = slice.next();
        }
        Set<String> aggregates = acknowledged.keySet();
        for (String aggregate : aggregates) {
            List<UUID> acked = acknowledged.get(aggregate);
            List<RecordedEvent> stored = byAggregate.getOrDefault(aggregate, List.of());
            assertThat(stored).extracting(RecordedEvent::eventId).as(aggregate).containsExactlyElementsOf(acked);
            for (int v = 0; v < stored.size(); v++) {
                assertThat(stored.get(v).version()).as(aggregate).isEqualTo(v + 1L);
            }
            assertThat(log.readAggregate(aggregate, 1, Integer.MAX_VALUE, dev.hindsight.core.ReadDirection.FORWARD))
                    .extracting(RecordedEvent::eventId)
                    .as(aggregate + " through the index")
                    .containsExactlyElementsOf(acked);
        }
    }
}
