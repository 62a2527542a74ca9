package dev.hindsight.core.memory;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.spi.AppendChecks;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.PageBudget;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.spi.StorageUse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The reference engine: everything in memory under one lock. Simple on purpose; the conformance suite is written
 * against it first. Thread-safe: every field is guarded by {@code lock}.
 */
public final class InMemoryEventLog implements EventLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final Clock clock;
    private final List<RecordedEvent> all = new ArrayList<>();
    private final Map<String, List<RecordedEvent>> byAggregate = new HashMap<>();
    private final Map<UUID, RecordedEvent> byId = new HashMap<>();
    private boolean closed;

    public InMemoryEventLog() {
        this(Clock.systemUTC());
    }

    public InMemoryEventLog(Clock clock) {
        this.clock = clock;
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        lock.lock();
        try {
            ensureOpen();
            AppendResult retry = AppendChecks.idempotentResult(events, p -> byId.get(p.eventId()));
            if (retry != null) {
                return retry;
            }
            List<RecordedEvent> stream = byAggregate.getOrDefault(aggregateId, List.of());
            Instant lastTs = stream.isEmpty() ? null : stream.getLast().timestamp();
            List<ProposedEvent> accepted =
                    AppendChecks.checkNewAppend(aggregateId, expected, stream.size(), lastTs, events);
            List<RecordedEvent> target = byAggregate.computeIfAbsent(aggregateId, k -> new ArrayList<>());
            Instant now = clock.instant();
            long firstVersion = target.size() + 1;
            for (ProposedEvent p : accepted) {
                RecordedEvent r = new RecordedEvent(
                        p.eventId(),
                        aggregateId,
                        p.eventType(),
                        p.schemaVersion(),
                        p.eventData(),
                        p.metadata(),
                        target.size() + 1,
                        Position.of(all.size() + 1),
                        p.timestamp(),
                        now);
                all.add(r);
                target.add(r);
                byId.put(r.eventId(), r);
            }
            appended.signalAll();
            return new AppendResult(aggregateId, firstVersion, target.size(), Position.of(all.size()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        lock.lock();
        try {
            List<RecordedEvent> stream = byAggregate.getOrDefault(aggregateId, List.of());
            List<RecordedEvent> out = new ArrayList<>();
            if (dir == ReadDirection.FORWARD) {
                for (long v = fromVersion; v <= stream.size() && out.size() < limit; v++) {
                    out.add(stream.get((int) v - 1));
                }
            } else {
                for (long v = Math.min(fromVersion, stream.size()); v >= 1 && out.size() < limit; v--) {
                    out.add(stream.get((int) v - 1));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        lock.lock();
        try {
            return byAggregate.getOrDefault(aggregateId, List.of()).size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        long from = ((Position.Sequence) after).value();
        lock.lock();
        try {
            List<RecordedEvent> out = new ArrayList<>();
            long next = from;
            long bytes = 0;
            for (long p = from + 1; p <= all.size() && out.size() < limit && bytes < PageBudget.BYTES; p++) {
                RecordedEvent e = all.get((int) p - 1);
                if (filter.test(e)) {
                    out.add(e);
                    bytes += PageBudget.bytes(e);
                }
                next = p;
            }
            return new GlobalSlice(out, Position.of(next));
        } finally {
            lock.unlock();
        }
    }

    /** The number of events; bytes are not measured (nothing is on disk). */
    @Override
    public StorageUse storage() {
        lock.lock();
        try {
            return new StorageUse(all.size(), StorageUse.UNKNOWN);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Position head() {
        lock.lock();
        try {
            return Position.of(all.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        long target = ((Position.Sequence) after).value();
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (all.size() <= target && !closed) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = appended.awaitNanos(nanos);
            }
            return all.size() > target;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreClosedException("the store is closed");
        }
    }
}
