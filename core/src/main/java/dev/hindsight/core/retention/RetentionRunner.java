package dev.hindsight.core.retention;

import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.RetentionSupport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Applies a {@link RetentionPolicy} to an engine, now ({@link #runOnce}) or periodically ({@link #start}), never past
 * the position every consumer has applied ({@code appliedUpTo}, asked at the start of each run), and records each run
 * and the totals per rule since start. Thread-safe: runs are serialized.
 */
public final class RetentionRunner implements AutoCloseable {
    private final RetentionSupport engine;
    private final RetentionPolicy policy;
    private final Supplier<Position> appliedUpTo;
    private final Clock clock;
    private final Map<String, AtomicLong> totals = new LinkedHashMap<>();
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile @Nullable RetentionRun lastRun;
    private final Object timerLock = new Object();
    private @Nullable ScheduledExecutorService timer; // guarded by timerLock

    /**
     * @param appliedUpTo the position up to which every consumer (projection, relay) has applied the log; events
     *     after it are never deleted
     */
    public RetentionRunner(
            RetentionSupport engine, RetentionPolicy policy, Supplier<Position> appliedUpTo, Clock clock) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.appliedUpTo = Objects.requireNonNull(appliedUpTo, "appliedUpTo");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (RetentionRule r : policy.rules()) {
            if (r.deleteAfter() != null) {
                totals.put(r.toString(), new AtomicLong());
            }
        }
    }

    public RetentionPolicy policy() {
        return policy;
    }

    /** Runs every {@code interval} in the background (the first run after one interval). */
    public void start(Duration interval) {
        synchronized (timerLock) {
            if (timer != null) {
                throw new IllegalStateException("already started");
            }
            ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("hindsight-retention").daemon(true).factory());
            long ms = Math.max(1, interval.toMillis());
            t.scheduleWithFixedDelay(this::runQuietly, ms, ms, TimeUnit.MILLISECONDS);
            timer = t;
        }
    }

    private void runQuietly() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // recorded as the run's error; the next run tries again
        }
    }

    /**
     * Applies the policy now and returns the run (also when it failed: {@link RetentionRun#error()}, with the events
     * deleted before the failure counted).
     */
    public synchronized RetentionRun runOnce() {
        Instant at = clock.instant();
        long t0 = System.nanoTime();
        Position bound = Position.START;
        // filled as the engine's deletions become durable: a run that fails part-way records what it deleted
        Map<RetentionRule, Long> deleted = new HashMap<>();
        String error = null;
        try {
            bound = appliedUpTo.get();
            engine.deleteExpired(policy, at, bound, (rule, n) -> deleted.merge(rule, n, Long::sum));
        } catch (HindsightException e) {
            error = e.getMessage();
        }
        List<RetentionRun.RuleCount> counts = new ArrayList<>();
        for (RetentionRule r : policy.rules()) {
            if (r.deleteAfter() != null) {
                long n = deleted.getOrDefault(r, 0L);
                counts.add(new RetentionRun.RuleCount(r.toString(), n));
                totals.get(r.toString()).addAndGet(n);
            }
        }
        RetentionRun run = new RetentionRun(at, (System.nanoTime() - t0) / 1_000_000, bound.toString(), counts, error);
        runs.incrementAndGet();
        if (error != null) {
            failures.incrementAndGet();
        }
        lastRun = run;
        return run;
    }

    /** The last run, or null before the first. */
    public @Nullable RetentionRun lastRun() {
        return lastRun;
    }

    /** Events deleted since start, per delete rule (in policy order). */
    public Map<String, Long> deletedTotals() {
        Map<String, Long> out = new LinkedHashMap<>();
        totals.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Runs since start. */
    public long runs() {
        return runs.get();
    }

    /** Runs since start that stopped with an error. */
    public long failures() {
        return failures.get();
    }

    /** Stops the periodic runs (a run in progress finishes). Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (timerLock) {
            t = timer;
        }
        if (t != null) {
            t.shutdown();
            try {
                t.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
