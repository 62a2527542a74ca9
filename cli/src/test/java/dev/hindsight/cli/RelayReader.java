package dev.hindsight.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A consumer of what the outbox relay published, for tests: keeps every message it saw, de-duplicating by event id
 * as the relay's consumers are told to. Subclasses read one queue (a Kafka topic, a RabbitMQ stream) from its
 * beginning. Not thread-safe.
 */
abstract class RelayReader implements AutoCloseable {
    /** One message as seen. */
    record Seen(String aggregateId, long version, String eventId, String eventType, String value) {}

    private final List<Seen> all = new ArrayList<>();
    private final Set<String> ids = new LinkedHashSet<>();

    /** Reads what arrived, waiting briefly (about 200 ms) if nothing did; calls {@link #saw} for each message. */
    abstract void poll();

    /** Records one message read. */
    final void saw(Seen s) {
        all.add(s);
        ids.add(s.eventId());
    }

    /** Polls until {@code done} holds for the distinct event ids seen, or the timeout passes; returns whether it held. */
    final boolean pollUntil(Predicate<Set<String>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(ids)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll();
        }
        return true;
    }

    /** Every message seen, duplicates included, in the order read (per partition or stream: the queue's order). */
    final List<Seen> all() {
        return all;
    }

    /** Distinct event ids seen. */
    final Set<String> ids() {
        return ids;
    }

    /** Per aggregate, the event ids in the order of their first appearance (duplicates dropped). */
    final Map<String, List<String>> firstSeenByAggregate() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Seen s : all) {
            if (seen.add(s.eventId())) {
                out.computeIfAbsent(s.aggregateId(), a -> new ArrayList<>()).add(s.eventId());
            }
        }
        return out;
    }

    static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public abstract void close();
}
