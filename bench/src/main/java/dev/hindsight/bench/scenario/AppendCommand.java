package dev.hindsight.bench.scenario;

import dev.hindsight.bench.scenario.AppendCell.Aggregates;
import dev.hindsight.bench.scenario.AppendCell.ThreadKind;
import dev.hindsight.bench.scenario.RawFsyncBaseline.FileMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench append}: the end-to-end scenario of issue 2 in one run. Every engine cell is followed by a
 * raw write + fdatasync baseline of the same bytes per sync; reads run on a log written for them. Prints a Markdown
 * report and optionally writes it as JSON.
 */
@Command(
        name = "append",
        mixinStandardHelpOptions = true,
        description = "Durable append and read throughput of the file engine, against raw-fsync baselines.")
public final class AppendCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Work directory, on the file system to measure (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "hindsight-bench");

    @Option(names = "--seconds", description = "Measured seconds per cell (default: ${DEFAULT-VALUE})")
    double seconds = 10;

    @Option(
            names = "--rounds",
            description = "Times the whole list of append cells (each with its baseline) is run;"
                    + " rounds of a cell are merged, which evens out a noisy disk (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--warmup-seconds", description = "Unmeasured seconds before each cell (default: ${DEFAULT-VALUE})")
    double warmupSeconds = 3;

    @Option(names = "--appenders", split = ",", description = "Single-event appender counts (default: 1,16,64,256)")
    List<Integer> appenders = List.of(1, 16, 64, 256);

    @Option(
            names = "--batch",
            split = ",",
            description = "Events per append (default: 1,100); 1 runs every --appenders count, larger ones run"
                    + " --batch-appenders appenders")
    List<Integer> batches = List.of(1, 100);

    @Option(names = "--batch-appenders", description = "Appenders for batches > 1 (default: ${DEFAULT-VALUE})")
    int batchAppenders = 16;

    @Option(names = "--payload-bytes", description = "event_data size (default: ${DEFAULT-VALUE})")
    int payloadBytes = 500;

    @Option(
            names = "--threads",
            split = ",",
            description = "Appender thread kinds; the first is the one the floors are checked on"
                    + " (default: platform,virtual)")
    List<ThreadKind> threads = List.of(ThreadKind.PLATFORM, ThreadKind.VIRTUAL);

    @Option(
            names = "--random-at",
            split = ",",
            description = "Appender counts that also run on random aggregates, 0 for none (default: 64)")
    List<Integer> randomAt = List.of(64);

    @Option(names = "--random-aggregates", description = "Pool size for random aggregates (default: ${DEFAULT-VALUE})")
    int randomAggregates = 10_000;

    @Option(
            names = "--baseline-file",
            description = "Raw baseline file layout: SPARSE (like the engine's segments),"
                    + " GROW or PREWRITTEN (default: ${DEFAULT-VALUE})")
    FileMode baselineMode = FileMode.SPARSE;

    @Option(names = "--read-events", description = "Events in the read log, 0 skips reads (default: ${DEFAULT-VALUE})")
    int readEvents = 1_000_000;

    @Option(names = "--events-per-aggregate", description = "Events per aggregate in the read log (default: 1000)")
    int eventsPerAggregate = 1000;

    @Option(names = "--read-iterations", description = "Measured aggregate loads (default: ${DEFAULT-VALUE})")
    int readIterations = 10_000;

    @Option(names = "--out", description = "Also write the results as JSON to this file")
    @Nullable
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Duration warmup = Duration.ofMillis((long) (warmupSeconds * 1000));
        Duration measure = Duration.ofMillis((long) (seconds * 1000));
        Report report = new Report(Machine.describe(dir), Instant.now(), String.join(" ", commandLine()));
        System.out.println(report.machineMarkdown());

        EngineAppendRun engine = new EngineAppendRun(dir, payloadBytes, randomAggregates);
        report.rounds(rounds);
        int frameBytes = 0;
        for (int round = 1; round <= rounds; round++) {
            for (AppendCell cell : cells()) {
                progress("round " + round + "/" + rounds + ", engine " + cell.label());
                EngineAppendRun.Result e = engine.run(cell, warmup, measure);
                progress(String.format(
                        Locale.ROOT,
                        "    %,.0f events/s, %.1f events/fsync, p99 %s ms",
                        e.eventsPerSecond(),
                        e.eventsPerFsync(),
                        Latency.ms(e.latency().p99())));
                if (e.batches() == 0) {
                    progress("    no batch committed (errors: " + e.errors() + "); stopping");
                    return 1;
                }
                RawFsyncBaseline.Result b = RawFsyncBaseline.run(dir, baselineMode, e.bytesPerFsync(), warmup, measure);
                progress(String.format(
                        Locale.ROOT,
                        "    raw: %,d bytes per fdatasync, %,.0f fdatasyncs/s",
                        e.bytesPerFsync(),
                        b.syncsPerSecond()));
                report.add(CellRow.of(e, b));
            }
            if (frameBytes == 0) {
                frameBytes = (int) Math.round(report.frameBytes());
            }
            for (int frames : fixedBaselineFrames()) {
                progress("round " + round + "/" + rounds + ", raw " + frames + " frame(s) of " + frameBytes
                        + " bytes per fdatasync");
                report.addFixedBaseline(
                        frames, RawFsyncBaseline.run(dir, baselineMode, frames * frameBytes, warmup, measure));
            }
        }
        if (readEvents > 0) {
            progress("reads   " + readEvents + " events, " + eventsPerAggregate + " per aggregate");
            report.reads(ReadScenario.run(
                    dir,
                    Math.max(1, readEvents / eventsPerAggregate),
                    eventsPerAggregate,
                    payloadBytes,
                    readIterations,
                    measure));
        }
        System.out.println(report.markdown());
        if (out != null) {
            report.writeJson(out);
        }
        return 0;
    }

    private List<AppendCell> cells() {
        List<AppendCell> cells = new ArrayList<>();
        for (ThreadKind kind : threads) {
            for (int batch : batches) {
                if (batch == 1) {
                    for (int n : appenders) {
                        cells.add(new AppendCell(n, 1, Aggregates.OWN, kind));
                    }
                } else {
                    cells.add(new AppendCell(batchAppenders, batch, Aggregates.OWN, kind));
                }
            }
            if (kind == threads.getFirst()) {
                for (int n : randomAt.stream().filter(n -> n > 0).toList()) {
                    cells.add(new AppendCell(n, 1, Aggregates.RANDOM, kind));
                }
            }
        }
        return cells;
    }

    /** One frame per fdatasync (no group commit at all), and each batch size > 1 as one append per fdatasync. */
    private List<Integer> fixedBaselineFrames() {
        List<Integer> frames = new ArrayList<>(List.of(1));
        batches.stream().filter(b -> b > 1).forEach(frames::add);
        return frames;
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>(List.of(
                "append",
                "--dir",
                dir.toString(),
                "--seconds",
                fmt(seconds),
                "--warmup-seconds",
                fmt(warmupSeconds),
                "--rounds",
                Integer.toString(rounds),
                "--appenders",
                join(appenders),
                "--batch",
                join(batches),
                "--batch-appenders",
                Integer.toString(batchAppenders),
                "--payload-bytes",
                Integer.toString(payloadBytes),
                "--threads",
                join(threads),
                "--random-at",
                join(randomAt),
                "--random-aggregates",
                Integer.toString(randomAggregates),
                "--baseline-file",
                baselineMode.name(),
                "--read-events",
                Integer.toString(readEvents),
                "--events-per-aggregate",
                Integer.toString(eventsPerAggregate),
                "--read-iterations",
                Integer.toString(readIterations)));
        if (out != null) {
            args.addAll(List.of("--out", out.toString()));
        }
        return args;
    }

    private static String join(List<?> values) {
        return String.join(",", values.stream().map(Object::toString).toList());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static void progress(String line) {
        System.err.println("[" + java.time.LocalTime.now().withNano(0) + "] " + line);
    }
}
