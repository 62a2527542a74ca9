package dev.hindsight.store.file.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads of a file log: aggregates through the aggregate index, the global log by position. Never locks; sees only
 * published data. Thread-safe.
 */
public final class FileLogReader {
    /** Most non-matching events one filtered global read skips before returning (with an advanced cursor). */
    private static final int MAX_SCAN = 100_000;

    private final LogState state;

    public FileLogReader(LogState state) {
        this.state = state;
    }

    public long committed() {
        return state.committed();
    }

    public int aggregateCount() {
        return state.aggregates.size();
    }

    public long aggregateVersion(String aggregateId) {
        AggregateIndex.Entry e = state.aggregates.get(aggregateId);
        return e == null ? 0 : e.count();
    }

    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        AggregateIndex.Entry e = state.aggregates.get(aggregateId);
        if (e == null) {
            return List.of();
        }
        int count = e.count();
        List<RecordedEvent> out = new ArrayList<>(Math.min(limit, count));
        if (dir == ReadDirection.FORWARD) {
            for (long v = Math.max(1, fromVersion); v <= count && out.size() < limit; v++) {
                out.add(state.read(e.position(v)));
            }
        } else {
            for (long v = Math.min(fromVersion, count); v >= 1 && out.size() < limit; v--) {
                out.add(state.read(e.position(v)));
            }
        }
        return out;
    }

    public GlobalSlice readAll(long after, int limit, EventFilter filter) {
        long head = state.committed();
        List<RecordedEvent> out = new ArrayList<>(Math.min(limit, Math.clamp(head - after, 0, Integer.MAX_VALUE)));
        long p = after;
        int scanned = 0;
        boolean all = filter.isAll();
        while (p < head && out.size() < limit && scanned < MAX_SCAN) {
            p++;
            if (all || state.matches(p, filter.aggregatePrefix(), filter.eventTypes())) {
                out.add(state.read(p));
            } else {
                scanned++;
            }
        }
        return new GlobalSlice(out, Position.of(p));
    }

    /** See {@code FileEventLog.verify}. */
    public dev.hindsight.store.file.VerifyReport verify(int maxProblems) {
        long head = state.committed();
        List<String> problems = new ArrayList<>();
        java.util.Map<String, Long> versions = new java.util.HashMap<>();
        for (long p = 1; p <= head && problems.size() < maxProblems; p++) {
            RecordedEvent e;
            try {
                e = state.read(p);
            } catch (dev.hindsight.core.CorruptionException ex) {
                problems.add("position " + p + ": " + ex.getMessage());
                continue;
            }
            if (!e.position().equals(Position.of(p))) {
                problems.add("position " + p + ": record says position " + e.position());
            }
            long previous = versions.getOrDefault(e.aggregateId(), 0L);
            versions.put(e.aggregateId(), e.version());
            if (e.version() != previous + 1) {
                problems.add("position " + p + ": aggregate '" + e.aggregateId() + "' jumps from version " + previous
                        + " to " + e.version());
            }
            AggregateIndex.Entry entry = state.aggregates.get(e.aggregateId());
            if (entry == null || entry.count() < e.version() || entry.position(e.version()) != p) {
                problems.add("position " + p + ": aggregate index of '" + e.aggregateId() + "' does not point here");
            }
        }
        return new dev.hindsight.store.file.VerifyReport(head, versions.size(), problems);
    }
}
