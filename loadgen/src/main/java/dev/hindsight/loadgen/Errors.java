package dev.hindsight.loadgen;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Failures by kind, with the first message of each kind. Thread-safe. */
final class Errors {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, String> examples = new ConcurrentHashMap<>();

    void record(String kind, String message) {
        counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
        examples.putIfAbsent(kind, message.length() > 300 ? message.substring(0, 300) + "..." : message);
    }

    void record(String what, Throwable e) {
        record(what + ": " + e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Count and first message by kind, sorted. */
    Map<String, Map.Entry<Long, String>> byKind() {
        Map<String, Map.Entry<Long, String>> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, Map.entry(v.sum(), examples.getOrDefault(k, ""))));
        return out;
    }
}
