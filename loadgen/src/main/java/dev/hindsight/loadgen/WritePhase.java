package dev.hindsight.loadgen;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One phase of writes: takes due steps from the {@link Timeline} in simulated-time order, moves the simulated clock to
 * each, and runs it on a virtual thread, with at most {@code concurrency} commands in flight, either as fast as
 * possible or at a fixed rate. At a fixed rate the schedule is open-loop: command {@code i} is due at
 * {@code start + i / rate} and its latency is measured from then, so time spent waiting behind slow commands counts
 * (no coordinated omission). While it runs it probes the read model's lag: every {@code lagEvery}-th command waits for
 * the read model to reach its event (time from the append's acknowledgement), and the projection's status is sampled
 * every 250 ms. Not thread-safe: {@link #run} once.
 */
final class WritePhase {
    private static final int MAX_SECONDS = 100_000;

    /**
     * What to run.
     *
     * @param name {@code fill} or {@code measure}
     * @param arrivals new orders allowed to arrive ({@link Long#MAX_VALUE}: no end)
     * @param rate commands (events) per second; 0 for as fast as possible
     * @param duration how long to run; {@code null}: until every order allowed has finished its lifecycle
     * @param concurrency most commands in flight
     * @param lagEvery probe the read-model lag after every this-many-th command
     * @param awaitCatchUp whether to wait, after the last write, until the read model has caught up (and time it)
     */
    record Plan(
            String name,
            long arrivals,
            double rate,
            @Nullable Duration duration,
            int concurrency,
            int lagEvery,
            boolean awaitCatchUp) {}

    /**
     * What happened.
     *
     * @param name the phase
     * @param ordersCreated new orders
     * @param commands commands that succeeded (one event each)
     * @param byVerb succeeded commands by verb
     * @param errors failed commands
     * @param seconds wall time from the first command to the last completion
     * @param catchUpSeconds wall time from the first command until the read model had processed the last event
     *     (-1 when not awaited or it did not catch up)
     * @param latency command latency (from when it was due)
     * @param serviceTime command time from its actual start
     * @param lag time from an append's acknowledgement until the read model covers it
     * @param lagTimeouts lag probes that gave up (30 s)
     * @param statusLag the projection status's {@code lag_ms} samples
     * @param cpuSeconds CPU time this process used from the first command until the read model caught up (or the
     *     last write, when not awaited); -1 if unknown
     * @param commits the engine's group commits (fsync latency, events per batch), {@code null} if not visible
     * @param perSecond succeeded commands in each second of the phase
     * @param simulatedFrom simulated time at the start (µs since the epoch)
     * @param simulatedTo simulated time at the end
     */
    record Result(
            String name,
            long ordersCreated,
            long commands,
            Map<Verb, Long> byVerb,
            Errors errors,
            double seconds,
            double catchUpSeconds,
            LatencyHistogram latency,
            LatencyHistogram serviceTime,
            LatencyHistogram lag,
            long lagTimeouts,
            LatencyHistogram statusLag,
            double cpuSeconds,
            @Nullable CommitStats commits,
            long[] perSecond,
            long simulatedFrom,
            long simulatedTo) {
        double eventsPerSecond() {
            return seconds <= 0 ? 0 : commands / seconds;
        }

        /** CPU microseconds per event, all threads of the process (writes, read model, loadgen itself). */
        double cpuMicrosPerEvent() {
            return cpuSeconds < 0 || commands == 0 ? -1 : cpuSeconds * 1e6 / commands;
        }
    }

    private final Plan plan;
    private final Target target;
    private final Timeline timeline;
    private final SimulatedClock clock;
    private final Reservoir<OrderRun> created;
    private final @Nullable PrintWriter progress;
    private final Semaphore permits;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LatencyHistogram serviceTime = new LatencyHistogram();
    private final LatencyHistogram lag = new LatencyHistogram();
    private final LatencyHistogram statusLag = new LatencyHistogram();
    private final LongAdder lagTimeouts = new LongAdder();
    private final LongAdder commands = new LongAdder();
    private final LongAdder orders = new LongAdder();
    private final Map<Verb, LongAdder> byVerb = new EnumMap<>(Verb.class);
    private final Errors errors = new Errors();
    private final AtomicLongArray perSecond = new AtomicLongArray(MAX_SECONDS);
    private volatile boolean running;
    private long t0;

    WritePhase(
            Plan plan,
            Target target,
            Timeline timeline,
            SimulatedClock clock,
            Reservoir<OrderRun> created,
            @Nullable PrintWriter progress) {
        this.plan = plan;
        this.target = target;
        this.timeline = timeline;
        this.clock = clock;
        this.created = created;
        this.progress = progress;
        this.permits = new Semaphore(plan.concurrency());
        for (Verb v : Verb.values()) {
            byVerb.put(v, new LongAdder());
        }
    }

    Result run() throws InterruptedException {
        long simFrom = clock.nowMicros();
        timeline.allowArrivals(plan.arrivals(), simFrom);
        CommitStats commits = new CommitStats();
        boolean observed = target.observeCommits(commits);
        long cpu0 = processCpuNanos();
        t0 = System.nanoTime();
        running = true;
        Thread sampler = Thread.ofVirtual().name("loadgen-status").start(this::sampleStatus);
        Thread reporter = Thread.ofVirtual().name("loadgen-progress").start(this::reportProgress);
        long end;
        try (ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor()) {
            try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
                dispatch(workers, probes);
            }
            end = System.nanoTime();
            timeline.allowArrivals(0, 0);
        } finally {
            running = false;
            sampler.interrupt();
            reporter.interrupt();
        }
        double catchUp = -1;
        if (plan.awaitCatchUp() && target.awaitReadModel(target.head(), Duration.ofMinutes(30))) {
            catchUp = (System.nanoTime() - t0) / 1e9;
        }
        long cpu1 = processCpuNanos();
        double cpuSeconds = cpu0 < 0 || cpu1 < 0 ? -1 : (cpu1 - cpu0) / 1e9;
        sampler.join();
        reporter.join();
        Map<Verb, Long> verbs = new EnumMap<>(Verb.class);
        byVerb.forEach((v, n) -> verbs.put(v, n.sum()));
        int secs = (int) Math.min(MAX_SECONDS, Math.max(1, Math.ceil((end - t0) / 1e9)));
        long[] counts = new long[secs];
        for (int i = 0; i < secs; i++) {
            counts[i] = perSecond.get(i);
        }
        return new Result(
                plan.name(),
                orders.sum(),
                commands.sum(),
                verbs,
                errors,
                (end - t0) / 1e9,
                catchUp,
                latency,
                serviceTime,
                lag,
                lagTimeouts.sum(),
                statusLag,
                cpuSeconds,
                observed ? commits : null,
                counts,
                simFrom,
                clock.nowMicros());
    }

    private void dispatch(ExecutorService workers, ExecutorService probes) throws InterruptedException {
        long deadline =
                plan.duration() == null ? Long.MAX_VALUE : t0 + plan.duration().toNanos();
        double interval = plan.rate() > 0 ? 1e9 / plan.rate() : 0;
        for (long i = 0; ; i++) {
            long due = 0;
            if (interval > 0) {
                due = t0 + (long) (i * interval);
                if (due >= deadline) {
                    return;
                }
                sleepUntil(due);
            } else if (System.nanoTime() >= deadline) {
                return;
            }
            permits.acquire();
            Timeline.Step step = timeline.take();
            if (step == null) {
                permits.release();
                return;
            }
            long simAt = clock.advanceTo(step.due());
            long dueAt = interval > 0 ? due : System.nanoTime();
            boolean probe = i % plan.lagEvery() == 0;
            workers.execute(() -> runStep(step.run(), simAt, dueAt, probe ? probes : null));
        }
    }

    /** CPU time of this process so far (ns), -1 if the platform does not tell. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private void runStep(OrderRun run, long simAt, long dueAt, @Nullable ExecutorService probes) {
        Verb verb = run.nextVerb();
        long next = -1;
        long start = System.nanoTime();
        try {
            String actor = switch (verb) {
                case SHIP, DELIVER -> "warehouse";
                case REFUND -> "support";
                default -> run.userId();
            };
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String correlation = new UUID(r.nextLong(), r.nextLong()).toString();
            Target.Outcome o = target.execute(run, verb, run.nextCommand(), actor, correlation);
            long done = System.nanoTime();
            run.succeeded(o.orderId(), o.version());
            latency.recordNanos(done - dueAt);
            serviceTime.recordNanos(done - start);
            commands.increment();
            byVerb.get(verb).increment();
            perSecond.incrementAndGet((int) Math.min(MAX_SECONDS - 1, (done - t0) / 1_000_000_000L));
            if (verb == Verb.CREATE) {
                orders.increment();
                created.add(run);
            }
            if (!run.done()) {
                next = simAt + run.delayBeforeNext();
            }
            if (probes != null) {
                probes.execute(() -> probeLag(o.position(), done));
            }
        } catch (RuntimeException e) {
            errors.record(verb.wire(), e);
        } finally {
            permits.release();
            timeline.finished(run, next);
        }
    }

    private void probeLag(String position, long acknowledged) {
        try {
            if (target.awaitReadModel(position, Duration.ofSeconds(30))) {
                lag.recordNanos(System.nanoTime() - acknowledged);
            } else {
                lagTimeouts.increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            errors.record("lag probe", e);
        }
    }

    private void sampleStatus() {
        while (running) {
            try {
                OptionalLong ms = target.statusLagMillis();
                if (ms.isPresent()) {
                    statusLag.recordMicros(ms.getAsLong() * 1000);
                }
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running || Thread.currentThread().isInterrupted()) {
                    return; // the phase ended during a request: not a failure of the server
                }
                errors.record("status sample", e);
            }
        }
    }

    private void reportProgress() {
        if (progress == null) {
            return;
        }
        long last = 0;
        long lastAt = t0;
        while (running) {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long n = commands.sum();
            List<String> parts = new ArrayList<>();
            parts.add(String.format("%,d events", n));
            parts.add(String.format("%,.0f/s now", (n - last) * 1e9 / (now - lastAt)));
            parts.add("simulated "
                    + SimulatedClock.instant(clock.nowMicros()).truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
            parts.add(String.format("%,d orders", orders.sum()));
            parts.add(String.format("%,d in progress", timeline.pendingOrders()));
            if (errors.total() > 0) {
                parts.add(errors.total() + " errors");
            }
            progress.printf("loadgen [%s] %5.0f s: %s%n", plan.name(), (now - t0) / 1e9, String.join(", ", parts));
            progress.flush();
            last = n;
            lastAt = now;
        }
    }
}
