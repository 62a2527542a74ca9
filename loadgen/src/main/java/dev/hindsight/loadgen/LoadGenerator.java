package dev.hindsight.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Runs the seed's scenario against a target and reports. A run has up to two phases, in this order:
 *
 * <ol>
 *   <li><b>fill</b> ({@code days > 0}): {@code days × ordersPerDay} orders, every lifecycle to its end (about ten
 *       events an order), at {@code fillRate} (default: as fast as possible); timed until the last write and until
 *       the read model has caught up with it;
 *   <li><b>measure</b> ({@code duration > 0}): new orders and their lifecycles at {@code rate} (default 1,000
 *       events/s, the seed's peak) for {@code duration}, with reads over HTTP beside them at {@code readRate}.
 * </ol>
 *
 * <p>Both phases probe the projection lag. Afterwards the run checks the store against what it did (read-model rows,
 * a sample of orders loaded from the write side and from the read model), and, for an embedded store, measures the
 * bytes on disk after closing it. Stateless; each call is one run.
 */
public final class LoadGenerator {
    private static final Duration CATCH_UP = Duration.ofMinutes(30);
    private static final int READ_SAMPLE = 20_000;
    private static final int MAX_EXAMPLES = 5;

    private LoadGenerator() {}

    /**
     * Runs.
     *
     * @param progress where to print a progress line every 5 s, or {@code null}
     * @throws InterruptedException if interrupted
     */
    public static Report run(LoadGenOptions o, @Nullable PrintWriter progress) throws InterruptedException {
        Instant startedAt = Instant.now();
        double loadStart = loadAverage();
        SimulatedClock clock = new SimulatedClock(Instant.EPOCH);
        Target target = o.url() != null
                ? new HttpTarget(o.url(), o.http())
                : EmbeddedTarget.open(Objects.requireNonNull(o.dataDir()), o.fsync(), o.segmentBytes(), clock);
        List<WritePhase.Result> phases = new ArrayList<>();
        Report.@Nullable Reads reads = null;
        WritePhase.Result warmup = null;
        Consistency consistency;
        long events;
        DiskUsage disk;
        String description = target.describe();
        try {
            target.awaitReadModel(target.head(), CATCH_UP);
            long rowsBefore = target.readModelRows();
            long simStart = SimulatedClock.micros(simulatedStart(o, target));
            clock.advanceTo(simStart);
            Scenario scenario = new Scenario(
                    o.seed(), o.users(), o.ordersPerDay(), UUID.randomUUID().getMostSignificantBits());
            Timeline timeline = new Timeline(scenario, simStart);
            Reservoir<OrderRun> created = new Reservoir<>(Math.max(10_000, o.verifyOrders()), o.seed());
            boolean http = o.url() != null;
            if (o.days() > 0) {
                WritePhase.Plan fill = new WritePhase.Plan(
                        "fill",
                        o.days() * o.ordersPerDay(),
                        o.fillRate(),
                        null,
                        o.concurrency(),
                        lagEvery(o.fillRate(), http),
                        true);
                phases.add(new WritePhase(fill, target, timeline, clock, created, progress).run());
            }
            if (!o.duration().isZero()) {
                HttpJson api = o.readRate() > 0 ? new HttpJson(target.httpEndpoint(), o.http()) : null;
                List<Target.OrderRef> sample = api == null ? List.of() : target.sampleOrders(READ_SAMPLE);
                if (!o.warmup().isZero()) {
                    warmup = measure("warmup", o, o.warmup(), target, timeline, clock, created, api, sample, progress)
                            .writes();
                }
                Measured m =
                        measure("measure", o, o.duration(), target, timeline, clock, created, api, sample, progress);
                phases.add(m.writes());
                reads = m.reads();
            }
            target.awaitReadModel(target.head(), CATCH_UP);
            consistency = check(target, created, rowsBefore, o.verifyOrders());
            events = target.eventCount();
            disk = o.dataDir() != null && Files.isDirectory(o.dataDir()) ? null : target.diskUsage();
        } finally {
            target.close();
        }
        if (o.dataDir() != null && Files.isDirectory(o.dataDir())) {
            disk = DiskUsage.of(o.dataDir());
        }
        Report.Machine machine = new Report.Machine(
                Runtime.getRuntime().availableProcessors(),
                cpuModel(),
                Runtime.version().toString(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                loadStart,
                loadAverage());
        return new Report(
                o, description, machine, startedAt, Instant.now(), warmup, phases, reads, events, disk, consistency);
    }

    /** A measure phase's writes and, if there were any, reads. */
    private record Measured(WritePhase.Result writes, Report.@Nullable Reads reads) {}

    /** Writes at the measure rate for {@code length}, with reads beside them when {@code api} is given. */
    private static Measured measure(
            String name,
            LoadGenOptions o,
            Duration length,
            Target target,
            Timeline timeline,
            SimulatedClock clock,
            Reservoir<OrderRun> created,
            @Nullable HttpJson api,
            List<Target.OrderRef> sample,
            @Nullable PrintWriter progress)
            throws InterruptedException {
        WritePhase.Plan plan = new WritePhase.Plan(
                name, Long.MAX_VALUE, o.rate(), length, o.concurrency(), lagEvery(o.rate(), o.url() != null), false);
        ReadLoad readLoad = api == null ? null : new ReadLoad(api, o.readRate(), sample, created, o.seed());
        WritePhase.Result writes;
        if (readLoad != null) {
            readLoad.start();
        }
        try {
            writes = new WritePhase(plan, target, timeline, clock, created, progress).run();
        } finally {
            if (readLoad != null) {
                readLoad.stop();
            }
        }
        return new Measured(
                writes,
                readLoad == null
                        ? null
                        : new Report.Reads(
                                o.readRate(), readLoad.loads, readLoad.byUser, readLoad.byStatus, readLoad.errors));
    }

    /** Probes about 100 commands a second (20 over HTTP, where each probe is a request). */
    private static int lagEvery(double rate, boolean http) {
        int perSecond = http ? 20 : 100;
        return rate <= 0 ? (http ? 1000 : 100) : (int) Math.max(1, rate / perSecond);
    }

    /**
     * The given start; else just after the store's last event; else, for an empty store, {@code days} days before
     * today's midnight (UTC), so that a filled store ends about now.
     */
    private static Instant simulatedStart(LoadGenOptions o, Target target) {
        if (o.start() != null) {
            return o.start();
        }
        Instant last = target.lastEventTimestamp();
        if (last != null) {
            return last.plusSeconds(1);
        }
        return LocalDate.now(ZoneOffset.UTC)
                .minusDays(o.days())
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant();
    }

    private static Consistency check(Target target, Reservoir<OrderRun> created, long rowsBefore, int limit) {
        long rowsAfter = rowsBefore < 0 ? -1 : target.readModelRows();
        List<OrderRun> sample = created.snapshot();
        if (sample.size() > limit) {
            sample = sample.subList(0, limit);
        }
        long loadMismatches = 0;
        long rowMismatches = 0;
        List<String> examples = new ArrayList<>();
        for (OrderRun run : sample) {
            long loaded = target.loadVersion(run.orderId());
            if (loaded != run.version()) {
                loadMismatches++;
                example(examples, run.orderId() + " loads at version " + loaded + ", expected " + run.version());
            }
            long row = target.readModelVersion(run.orderId());
            if (row >= 0 && row != run.version()) {
                rowMismatches++;
                example(examples, run.orderId() + " has read-model version " + row + ", expected " + run.version());
            }
        }
        return new Consistency(
                created.seen(), rowsBefore, rowsAfter, sample.size(), loadMismatches, rowMismatches, examples);
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(text);
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
