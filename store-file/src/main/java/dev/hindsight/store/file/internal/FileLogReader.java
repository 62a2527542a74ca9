package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.PageBudget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads of a file log: aggregates through the aggregate index (verified against the events), the global log by position. Never locks; sees only
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

    public long aggregateVersion(String aggregateId) {
        return state.indexes().aggregateVersion(aggregateId);
    }

    /**
     * Reads an aggregate from the index's candidate positions. The fast path takes candidate {@code v - 1} as version
     * {@code v} and checks every event it returns (aggregate id and version); any mismatch (a hash collision put
     * another aggregate's position among the candidates) switches to the exact list, filtered by reading each one.
     */
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        long[] candidates = state.indexes().candidates(aggregateId);
        state.prefetch(candidates);
        List<RecordedEvent> out = read(aggregateId, candidates, fromVersion, limit, dir);
        if (out != null) {
            return out;
        }
        out = read(aggregateId, exactPositions(aggregateId, candidates), fromVersion, limit, dir);
        if (out == null) {
            throw new CorruptionException(
                    "the aggregate index of '" + aggregateId + "' does not match its events' versions");
        }
        return out;
    }

    /** Events {@code fromVersion ..} of the aggregate if {@code ps[v - 1]} holds version v for each; else null. */
    private @Nullable List<RecordedEvent> read(
            String aggregateId, long[] ps, long fromVersion, int limit, ReadDirection dir) {
        int count = ps.length;
        List<RecordedEvent> out = new ArrayList<>(Math.min(limit, count));
        boolean forward = dir == ReadDirection.FORWARD;
        long v = forward ? Math.max(1, fromVersion) : Math.min(fromVersion, count);
        for (; v >= 1 && v <= count && out.size() < limit; v += forward ? 1 : -1) {
            LogState.Stored r = state.readRecord(ps[(int) (v - 1)]);
            RecordedEvent e = r.event();
            if (e.version() != v || !e.aggregateId().equals(aggregateId)) {
                return null;
            }
            if (!r.deleted()) {
                out.add(e); // a deleted event keeps its version; the read skips it (ADR 0017)
            }
        }
        return out;
    }

    private long[] exactPositions(String aggregateId, long[] candidates) {
        byte[] id = aggregateId.getBytes(StandardCharsets.UTF_8);
        return Arrays.stream(candidates)
                .filter(p -> state.hasAggregateId(p, id))
                .toArray();
    }

    /** Whether the aggregate index gives position {@code p} for version {@code version} of the aggregate. */
    private boolean indexPoints(String aggregateId, long version, long p) {
        long[] candidates = state.indexes().candidates(aggregateId);
        if (version <= candidates.length && candidates[(int) (version - 1)] == p) {
            return true;
        }
        long[] ps = exactPositions(aggregateId, candidates);
        return version <= ps.length && ps[(int) (version - 1)] == p;
    }

    public GlobalSlice readAll(long after, int limit, EventFilter filter) {
        long head = state.committed();
        List<RecordedEvent> out = new ArrayList<>(Math.min(limit, Math.clamp(head - after, 0, Integer.MAX_VALUE)));
        long p = after;
        int scanned = 0;
        long bytes = 0;
        boolean all = filter.isAll();
        while (p < head && out.size() < limit && scanned < MAX_SCAN && bytes < PageBudget.BYTES) {
            p++;
            if (all || state.matches(p, filter.aggregatePrefix(), filter.eventTypes())) {
                LogState.Stored r = state.readRecord(p);
                if (r.deleted()) {
                    scanned++; // a gap: retention deleted it (ADR 0017)
                } else {
                    out.add(r.event());
                    bytes += PageBudget.bytes(r.event());
                }
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
            if (!indexPoints(e.aggregateId(), e.version(), p)) {
                problems.add("position " + p + ": aggregate index of '" + e.aggregateId() + "' does not point here");
            }
        }
        return new dev.hindsight.store.file.VerifyReport(head, versions.size(), problems);
    }
}
