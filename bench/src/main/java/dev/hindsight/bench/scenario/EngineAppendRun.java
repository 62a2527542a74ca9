package dev.hindsight.bench.scenario;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.store.file.CommitObserver;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Durable appends through {@link EventStore#append} on a fresh {@link FileEventLog} ({@code fsync=always}): N
 * appender threads for a warm-up and then a measured window, with per-append latency and, through a
 * {@link CommitObserver}, the group-commit batches the engine formed. Not thread-safe; one run at a time.
 */
public final class EngineAppendRun {
    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int DONE = 2;

    /**
     * Outcome of one cell (or of several rounds of it, merged).
     *
     * @param cell the configuration
     * @param seconds measured window
     * @param appends appends acknowledged in the window
     * @param events events in those appends
     * @param latencies per-append latency (enqueue to durable acknowledgement), nanoseconds
     * @param batches group-commit batches (= fsyncs) in the window
     * @param batchEvents events in those batches
     * @param batchBytes bytes written by those batches
     * @param fsyncs the engine's own fdatasync latency per batch, nanoseconds
     * @param cycles time between the ends of consecutive batches (a writer stall shows as the maximum), nanoseconds
     * @param cpuSeconds process CPU time over the window, divided by the number of cores
     * @param allocatedBytes heap allocated by the process over the window
     * @param writerRunSeconds time the writer thread ran on a CPU in the window
     * @param writerWaitSeconds time the writer thread was runnable but waiting for a CPU in the window
     * @param othersCpuSeconds CPU time other processes (and the kernel for them) used in the window, divided by the
     *     number of cores: noise from neighbours
     * @param errors appends that failed, by exception class
     */
    public record Result(
            AppendCell cell,
            double seconds,
            long appends,
            long events,
            Histogram latencies,
            long batches,
            long batchEvents,
            long batchBytes,
            Histogram fsyncs,
            Histogram cycles,
            double cpuSeconds,
            long allocatedBytes,
            double writerRunSeconds,
            double writerWaitSeconds,
            double othersCpuSeconds,
            Map<String, Long> errors) {

        /** Both measurements together, as if one window. */
        public Result merge(Result o) {
            Histogram l = latencies.copy();
            l.add(o.latencies);
            Histogram f = fsyncs.copy();
            f.add(o.fsyncs);
            Histogram c = cycles.copy();
            c.add(o.cycles);
            Map<String, Long> e = new TreeMap<>(errors);
            o.errors.forEach((k, v) -> e.merge(k, v, Long::sum));
            return new Result(
                    cell,
                    seconds + o.seconds,
                    appends + o.appends,
                    events + o.events,
                    l,
                    batches + o.batches,
                    batchEvents + o.batchEvents,
                    batchBytes + o.batchBytes,
                    f,
                    c,
                    cpuSeconds + o.cpuSeconds,
                    allocatedBytes + o.allocatedBytes,
                    writerRunSeconds + o.writerRunSeconds,
                    writerWaitSeconds + o.writerWaitSeconds,
                    othersCpuSeconds + o.othersCpuSeconds,
                    e);
        }

        public Latency latency() {
            return Latency.of(latencies);
        }

        public Latency fsync() {
            return Latency.of(fsyncs);
        }

        public Latency cycle() {
            return Latency.of(cycles);
        }

        public double cpuPercent() {
            return 100 * cpuSeconds / seconds;
        }

        /** Process CPU time per event, microseconds (all threads: appenders, writer, GC, JIT). */
        public double cpuMicrosPerEvent() {
            return events == 0 ? 0 : cpuSeconds * Runtime.getRuntime().availableProcessors() * 1e6 / events;
        }

        /** CPU used by other processes in the window, % of all cores. */
        public double othersCpuPercent() {
            return 100 * othersCpuSeconds / seconds;
        }

        /** Share of the window the writer thread was on a CPU, %. */
        public double writerBusyPercent() {
            return 100 * writerRunSeconds / seconds;
        }

        /** Share of the window the writer thread was runnable but had no CPU, %. */
        public double writerWaitPercent() {
            return 100 * writerWaitSeconds / seconds;
        }

        public double eventsPerSecond() {
            return events / seconds;
        }

        public double appendsPerSecond() {
            return appends / seconds;
        }

        public double fsyncsPerSecond() {
            return batches / seconds;
        }

        public double eventsPerFsync() {
            return batches == 0 ? 0 : (double) batchEvents / batches;
        }

        /** Mean bytes one fsync made durable: what the baseline replays. */
        public int bytesPerFsync() {
            return batches == 0 ? 0 : (int) Math.round((double) batchBytes / batches);
        }

        /** Mean frame size on disk. */
        public double bytesPerEvent() {
            return batchEvents == 0 ? 0 : (double) batchBytes / batchEvents;
        }

        public double allocatedBytesPerEvent() {
            return events == 0 ? 0 : (double) allocatedBytes / events;
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Counts batches on the writer thread; read only after the log is closed (the writer thread has ended). */
    private static final class BatchStats implements CommitObserver {
        volatile boolean recording;
        long batches; // writer thread only until the log is closed
        long events; // same
        long bytes; // same
        final Histogram fsync = Latency.histogram(); // same
        final Histogram cycle = Latency.histogram(); // same
        long last; // same

        @Override
        public void committed(int appends, int events, long bytes, long fsyncNanos) {
            long now = System.nanoTime();
            if (recording) {
                batches++;
                this.events += events;
                this.bytes += bytes;
                fsync.recordValue(fsyncNanos);
                if (last != 0) {
                    cycle.recordValue(now - last);
                }
            }
            last = now;
        }
    }

    private final Path root;
    private final int payloadBytes;
    private final int randomAggregates;
    private volatile int phase;

    public EngineAppendRun(Path root, int payloadBytes, int randomAggregates) {
        this.root = root;
        this.payloadBytes = payloadBytes;
        this.randomAggregates = randomAggregates;
    }

    /** Runs {@code cell} in a new log directory under the root, deleted afterwards. */
    public Result run(AppendCell cell, Duration warmup, Duration measure) throws InterruptedException {
        Path dir = root.resolve("engine-" + cell.slug());
        Files2.deleteRecursively(dir);
        BatchStats stats = new BatchStats();
        List<Worker> workers = new ArrayList<>();
        ProcessMeter.Reading from;
        ProcessMeter.Reading to;
        WriterThreadMeter.Reading writerFrom;
        WriterThreadMeter.Reading writerTo;
        phase = WARMUP;
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir));
                EventStore store = EventStore.of(log)) {
            log.onCommit(stats);
            List<Thread> threads = new ArrayList<>();
            Thread.Builder builder = cell.threads().builder().name("appender-", 0);
            for (int i = 0; i < cell.appenders(); i++) {
                Worker w = new Worker(store, cell, i);
                workers.add(w);
                threads.add(builder.start(w));
            }
            Thread.sleep(warmup);
            // found only now: the writer names its OS thread when it starts running, which may be after open returns
            WriterThreadMeter writer = WriterThreadMeter.find();
            stats.recording = true;
            from = ProcessMeter.read();
            writerFrom = writer.read();
            phase = MEASURE;
            Thread.sleep(measure);
            phase = DONE;
            writerTo = writer.read();
            to = ProcessMeter.read();
            stats.recording = false;
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            phase = DONE;
        }
        Files2.deleteRecursively(dir);
        return collect(
                cell,
                workers,
                stats,
                from,
                to,
                new WriterThreadMeter.Reading(
                        writerTo.runNanos() - writerFrom.runNanos(), writerTo.waitNanos() - writerFrom.waitNanos()));
    }

    private static Result collect(
            AppendCell cell,
            List<Worker> workers,
            BatchStats stats,
            ProcessMeter.Reading from,
            ProcessMeter.Reading to,
            WriterThreadMeter.Reading writer) {
        Histogram all = Latency.histogram();
        long appends = 0;
        long events = 0;
        Map<String, Long> errors = new TreeMap<>();
        for (Worker w : workers) {
            all.add(w.latency);
            appends += w.appends;
            events += w.events;
            w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
        }
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        return new Result(
                cell,
                seconds,
                appends,
                events,
                all,
                stats.batches,
                stats.events,
                stats.bytes,
                stats.fsync,
                stats.cycle,
                seconds * ProcessMeter.cpuPercent(from, to) / 100,
                ProcessMeter.allocated(from, to),
                writer.runNanos() / 1e9,
                writer.waitNanos() / 1e9,
                seconds * ProcessMeter.othersPercent(from, to) / 100,
                errors);
    }

    /** One appender; its fields are read after its thread is joined. */
    private final class Worker implements Runnable {
        private final EventStore store;
        private final AppendCell cell;
        private final int index;
        final Histogram latency = Latency.histogram();
        final Map<String, Long> errors = new TreeMap<>();
        long appends;
        long events;
        private @Nullable String firstError;

        Worker(EventStore store, AppendCell cell, int index) {
            this.store = store;
            this.cell = cell;
            this.index = index;
        }

        @Override
        public void run() {
            List<EventData> batch = Payloads.events(cell.batch(), payloadBytes, index * 1_000_000L);
            SplittableRandom random = new SplittableRandom(index);
            boolean own = cell.aggregates() == AppendCell.Aggregates.OWN;
            String ownId = "own-" + index;
            long version = 0;
            int ph;
            while ((ph = phase) != DONE) {
                String id = own ? ownId : "agg-" + random.nextInt(randomAggregates);
                ExpectedVersion expected = own ? ExpectedVersion.exact(version) : ExpectedVersion.ANY;
                long t0 = System.nanoTime();
                try {
                    AppendResult r = store.append(id, expected, batch);
                    long t1 = System.nanoTime();
                    version = r.lastVersion();
                    if (ph == MEASURE) {
                        latency.recordValue(t1 - t0);
                        appends++;
                        events += batch.size();
                    }
                } catch (HindsightException e) {
                    errors.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                    if (firstError == null) {
                        firstError = e.getMessage();
                        System.err.println("appender " + index + ": " + e);
                    }
                    if (own) {
                        version = store.log().aggregateVersion(ownId);
                    }
                }
            }
        }
    }
}
