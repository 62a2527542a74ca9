package dev.hindsight.testkit;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Small helpers shared by the suites: events, whole-log reads, polling and concurrent runs. Stateless. */
final class TckSupport {
    /** How long a test waits for something asynchronous before it fails. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** A fixed instant for stores whose clock must not move. */
    static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    private static final int PAGE = 1000;

    private TckSupport() {}

    /** A fixed clock at {@code instant}. */
    static Clock clockAt(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    /** A deterministic event id (name-based, RFC 4122); distinct {@code n} give distinct ids. */
    static UUID id(long n) {
        return UUID.nameUUIDFromBytes(("hindsight-tck-" + n).getBytes(StandardCharsets.UTF_8));
    }

    /** An event with a fresh random id, so the test knows which ids it wrote. */
    static EventData event(String type, String dataJson) {
        return EventData.of(type, dataJson).withId(UUID.randomUUID());
    }

    /** An event with a fresh random id and {@code seq} in its data. */
    static EventData event(int seq) {
        return event("Tested", "{\"seq\":" + seq + "}");
    }

    /** An event whose {@code metadata.timestamp} is {@code timestamp}. */
    static EventData eventAt(Instant timestamp) {
        return event("Timed", "{}").withMetadata("{\"timestamp\":\"" + timestamp + "\"}");
    }

    /** {@code n} events with fresh random ids. */
    static List<EventData> events(int n) {
        List<EventData> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(event(i));
        }
        return out;
    }

    static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static List<Long> versions(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::version).toList();
    }

    static List<UUID> ids(List<RecordedEvent> events) {
        return events.stream().map(RecordedEvent::eventId).toList();
    }

    /** Whether {@code later} is strictly after {@code earlier} in the store's order. */
    static boolean isAfter(Position later, Position earlier) {
        return later.covers(earlier) && !later.equals(earlier);
    }

    /** The events of each aggregate, in the order they appear in {@code events}. */
    static Map<String, List<RecordedEvent>> byAggregate(List<RecordedEvent> events) {
        Map<String, List<RecordedEvent>> out = new TreeMap<>();
        for (RecordedEvent e : events) {
            out.computeIfAbsent(e.aggregateId(), k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    /** Every event of the global log matching {@code filter}, paging with {@code next}. */
    static List<RecordedEvent> readWholeLog(EventStore store, EventFilter filter) {
        List<RecordedEvent> out = new ArrayList<>();
        Position cursor = store.log().start();
        for (int pages = 0; pages < 100_000; pages++) {
            GlobalSlice slice = store.readAll(cursor, PAGE, filter);
            out.addAll(slice.events());
            if (slice.events().isEmpty() && slice.next().equals(cursor)) {
                return out;
            }
            cursor = slice.next();
        }
        return fail("readAll never reached the end of the log: it keeps returning events or moving its cursor");
    }

    static List<RecordedEvent> readWholeLog(EventStore store) {
        return readWholeLog(store, EventFilter.ALL);
    }

    /** Polls {@code condition} until it holds, failing after {@link #DEADLINE}. */
    static void awaitUntil(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + DEADLINE.toSeconds() + " s waiting until " + what.get());
            }
            Thread.sleep(2);
        }
    }

    /** Body of one concurrent worker. */
    @FunctionalInterface
    interface Worker {
        void run(int worker) throws Exception;
    }

    /**
     * How many times longer than the default the concurrent workers may take: system property
     * {@value EventLogTck#WORK_SCALE_PROPERTY} (default 1). For engines whose every append is a replicated round trip (Kafka on
     * three brokers): the concurrency suites check what is stored, not how fast.
     */
    static long workScale() {
        return Math.max(1, Long.getLong(EventLogTck.WORK_SCALE_PROPERTY, 1));
    }

    /**
     * Runs {@code threads} workers on platform threads released together by a latch, waits for all of them, and
     * rethrows the first failure.
     */
    static void runConcurrently(int threads, Worker body) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            int worker = i;
            started.add(Thread.ofPlatform().name("tck-writer-" + i).start(() -> {
                try {
                    start.await();
                    body.run(worker);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        start.countDown();
        long deadline = System.nanoTime() + DEADLINE.toNanos() * 3 * workScale();
        for (Thread t : started) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                fail("concurrent worker " + t.getName() + " did not finish in time");
            }
        }
        if (failure.get() != null) {
            throw new AssertionError("a concurrent worker failed", failure.get());
        }
    }
}
