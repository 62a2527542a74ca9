package dev.hindsight.bench.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hindsight.bench.scenario.AppendCell.Aggregates;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Collects the results of one run and renders them as Markdown tables and JSON. Not thread-safe. */
final class Report {
    private static final int FLOOR_APPENDERS = 64;
    private static final int FLOOR_BATCH = 100;

    private final Machine machine;
    private final Instant started;
    private final String command;
    private final Map<AppendCell, CellRow> cells = new LinkedHashMap<>();
    private final Map<Integer, RawFsyncBaseline.Result> fixed = new TreeMap<>();
    private int rounds;
    private ReadScenario.@Nullable Result reads;

    Report(Machine machine, Instant started, String command) {
        this.machine = machine;
        this.started = started;
        this.command = command;
    }

    /** Adds one round of a cell, merging it with earlier rounds of the same cell. */
    void add(CellRow row) {
        cells.merge(row.engine().cell(), row, CellRow::merge);
    }

    void addFixedBaseline(int frames, RawFsyncBaseline.Result result) {
        fixed.merge(frames, result, RawFsyncBaseline.Result::merge);
    }

    void rounds(int n) {
        rounds = n;
    }

    private List<CellRow> rows() {
        return new ArrayList<>(cells.values());
    }

    void reads(ReadScenario.Result result) {
        reads = result;
    }

    /** Mean on-disk frame size over all cells (what one event costs in bytes). */
    double frameBytes() {
        long bytes = 0;
        long events = 0;
        for (CellRow r : rows()) {
            bytes += r.engine().batchBytes();
            events += r.engine().batchEvents();
        }
        return events == 0 ? 1 : (double) bytes / events;
    }

    String machineMarkdown() {
        return "## Machine\n\n"
                + "| | |\n|---|---|\n"
                + "| cores | " + machine.cores() + " |\n"
                + "| memory | " + (machine.memoryBytes() >> 20) + " MiB |\n"
                + "| OS | " + machine.os() + " |\n"
                + "| JDK | " + machine.jdk() + " |\n"
                + "| work dir | " + machine.dir() + " on " + machine.fileSystem() + " |\n"
                + "| load average at start | " + fmt2(machine.loadAverage()) + " |\n"
                + "| started | " + started + " |\n"
                + "| command | `java -jar bench/target/hindsight-bench.jar " + command + "` |\n";
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("## Floors (issue 2)\n\n");
        sb.append("| metric | floor | measured | baseline (same run) | ratio | verdict | headroom |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Floor f : floors()) {
            sb.append("| ")
                    .append(f.metric())
                    .append(" | ")
                    .append(f.floor())
                    .append(" | ")
                    .append(f.value())
                    .append(" | ")
                    .append(f.baseline())
                    .append(" | ")
                    .append(f.ratio())
                    .append(" | **")
                    .append(f.verdict())
                    .append("** | ")
                    .append(f.margin())
                    .append(" |\n");
        }
        sb.append("\n## Durable appends (fsync=always) and their raw baselines\n\n");
        sb.append("Baseline: one thread, `FileChannel.write` of the engine's mean bytes per fsync, then `force(false)`,"
                        + " same file system, right after the cell. ")
                .append(rounds)
                .append(rounds == 1 ? " round" : " rounds")
                .append(" of every cell; a row merges its rounds (sums of counts over the sum of windows, merged"
                        + " latency histograms).\n\n");
        sb.append("| cell | events/s | appends/s | p50 ms | p99 ms | p99.9 ms | fsyncs/s | events/fsync | bytes/fsync"
                + " | engine fsync p50 ms | raw fdatasyncs/s | raw fsync p50 ms | raw events/s | engine ÷ raw"
                + " | p99 ÷ raw fsync p50 | p99 ÷ raw fsync p99 | longest writer cycle ms | CPU % | CPU µs/event | writer on CPU %"
                + " | writer waiting for CPU % | other processes' CPU % | alloc B/event | errors |\n");
        sb.append(
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (CellRow r : rows()) {
            EngineAppendRun.Result e = r.engine();
            RawFsyncBaseline.Result b = r.baseline();
            sb.append("| ")
                    .append(e.cell().label())
                    .append(" | ")
                    .append(n(e.eventsPerSecond()))
                    .append(" | ")
                    .append(n(e.appendsPerSecond()))
                    .append(" | ")
                    .append(Latency.ms(e.latency().p50()))
                    .append(" | ")
                    .append(Latency.ms(e.latency().p99()))
                    .append(" | ")
                    .append(Latency.ms(e.latency().p999()))
                    .append(" | ")
                    .append(n(e.fsyncsPerSecond()))
                    .append(" | ")
                    .append(fmt1(e.eventsPerFsync()))
                    .append(" | ")
                    .append(n(e.bytesPerFsync()))
                    .append(" | ")
                    .append(Latency.ms(e.fsync().p50()))
                    .append(" | ")
                    .append(n(b.syncsPerSecond()))
                    .append(" | ")
                    .append(Latency.ms(b.fsync().p50()))
                    .append(" | ")
                    .append(n(r.baselineEventsPerSecond()))
                    .append(" | ")
                    .append(pct(r.ratio()))
                    .append(" | ")
                    .append(fmt1(r.p99InFsyncs()))
                    .append(" | ")
                    .append(fmt1(
                            (double) e.latency().p99() / Math.max(1, b.fsync().p99())))
                    .append(" | ")
                    .append(Latency.ms(e.cycle().max()))
                    .append(" | ")
                    .append(fmt1(e.cpuPercent()))
                    .append(" | ")
                    .append(fmt1(e.cpuMicrosPerEvent()))
                    .append(" | ")
                    .append(fmt1(e.writerBusyPercent()))
                    .append(" | ")
                    .append(fmt1(e.writerWaitPercent()))
                    .append(" | ")
                    .append(fmt1(e.othersCpuPercent()))
                    .append(" | ")
                    .append(n(e.allocatedBytesPerEvent()))
                    .append(" | ")
                    .append(errors(e))
                    .append(" |\n");
        }
        sb.append("\n## Fixed-size raw baselines (no group commit: one write + fdatasync per append)\n\n");
        sb.append("| frames/fdatasync | bytes/fdatasync | fdatasyncs/s | events/s | MB/s | write+fsync p50 ms"
                + " | write+fsync p99 ms | fsync p50 ms | fsync p99 ms | fsync p99.9 ms |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        fixed.forEach((frames, b) -> sb.append("| ")
                .append(frames)
                .append(" | ")
                .append(n(b.bytesPerSync()))
                .append(" | ")
                .append(n(b.syncsPerSecond()))
                .append(" | ")
                .append(n(b.syncsPerSecond() * frames))
                .append(" | ")
                .append(fmt1(b.megabytesPerSecond()))
                .append(" | ")
                .append(Latency.ms(b.cycle().p50()))
                .append(" | ")
                .append(Latency.ms(b.cycle().p99()))
                .append(" | ")
                .append(Latency.ms(b.fsync().p50()))
                .append(" | ")
                .append(Latency.ms(b.fsync().p99()))
                .append(" | ")
                .append(Latency.ms(b.fsync().p999()))
                .append(" |\n"));
        if (reads != null) {
            ReadScenario.Result r = reads;
            sb.append("\n## Reads (")
                    .append(n(r.events()))
                    .append(" events, ")
                    .append(r.eventsPerAggregate())
                    .append(" per aggregate, interleaved; written with fsync=never in ")
                    .append(fmt1(r.populateSeconds()))
                    .append(" s, reopened in ")
                    .append(fmt2(r.openSeconds()))
                    .append(" s)\n\n");
            sb.append("| metric | engine | raw baseline (map + CRC32C, no decode) | engine ÷ raw |\n");
            sb.append("|---|---:|---:|---:|\n");
            sb.append("| load one aggregate, p50 ms | ")
                    .append(Latency.ms(r.load().p50()))
                    .append(" | ")
                    .append(Latency.ms(r.rawLoad().p50()))
                    .append(" | ")
                    .append(times(r.load().p50(), r.rawLoad().p50()))
                    .append(" slower |\n");
            sb.append("| load one aggregate, p99 ms | ")
                    .append(Latency.ms(r.load().p99()))
                    .append(" | ")
                    .append(Latency.ms(r.rawLoad().p99()))
                    .append(" | ")
                    .append(times(r.load().p99(), r.rawLoad().p99()))
                    .append(" slower |\n");
            sb.append("| global scan, events/s | ")
                    .append(n(r.scanEventsPerSecond()))
                    .append(" | ")
                    .append(n(r.rawScanEventsPerSecond()))
                    .append(" | ")
                    .append(pct(r.scanEventsPerSecond() / r.rawScanEventsPerSecond()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    List<Floor> floors() {
        List<Floor> out = new ArrayList<>();
        cell(FLOOR_APPENDERS, 1).ifPresent(r -> {
            String label = FLOOR_APPENDERS + " single-event appenders ("
                    + r.engine().cell().threads().label() + ")";
            String base = n(r.baselineEventsPerSecond()) + " events/s (raw @ "
                    + fmt1(r.engine().eventsPerFsync()) + " events/fsync)";
            out.add(Floor.atLeast(
                    label + ", events/s", 50_000, r.engine().eventsPerSecond(), "", base, pct(r.ratio())));
            out.add(Floor.atLeast(
                    label + ", % of raw fsync at the same batch size", 50, 100 * r.ratio(), "%", base, pct(r.ratio())));
            out.add(Floor.atMost(
                    label + ", p99 latency in raw fsync p50s",
                    3,
                    r.p99InFsyncs(),
                    "",
                    "raw fsync p50 " + Latency.ms(r.baseline().fsync().p50()) + " ms, engine p99 "
                            + Latency.ms(r.engine().latency().p99()) + " ms; the raw loop's own write+fsync p99 is "
                            + fmt1((double) r.baseline().cycle().p99()
                                    / Math.max(1, r.baseline().fsync().p50()))
                            + " fsync p50s",
                    fmt1(r.p99InFsyncs())));
        });
        cell(-1, FLOOR_BATCH).ifPresent(r -> {
            String label = r.engine().cell().appenders() + " appenders × " + FLOOR_BATCH + "-event batches ("
                    + r.engine().cell().threads().label() + ")";
            out.add(Floor.atLeast(
                    label + ", events/s",
                    300_000,
                    r.engine().eventsPerSecond(),
                    "",
                    n(r.baselineEventsPerSecond()) + " events/s (raw @ "
                            + fmt1(r.engine().eventsPerFsync()) + " events/fsync)",
                    pct(r.ratio())));
            RawFsyncBaseline.Result b = fixed.get(FLOOR_BATCH);
            if (b != null) {
                double raw = b.syncsPerSecond() * FLOOR_BATCH;
                double ratio = r.engine().eventsPerSecond() / raw;
                out.add(Floor.atLeast(
                        label + ", % of raw fsync of one 100-event batch per fsync",
                        50,
                        100 * ratio,
                        "%",
                        n(raw) + " events/s",
                        pct(ratio)));
            }
            out.add(Floor.atLeast(
                    label + ", % of raw fsync at the achieved batch size",
                    50,
                    100 * r.ratio(),
                    "%",
                    n(r.baselineEventsPerSecond()) + " events/s",
                    pct(r.ratio())));
        });
        if (reads != null) {
            ReadScenario.Result r = reads;
            out.add(Floor.atMost(
                    "load one aggregate of " + r.eventsPerAggregate() + " events, p99 ms",
                    2,
                    r.load().p99() / 1e6,
                    "",
                    "raw " + Latency.ms(r.rawLoad().p99()) + " ms",
                    times(r.load().p99(), r.rawLoad().p99())));
            out.add(Floor.atLeast(
                    "global scan, events/s",
                    1_000_000,
                    r.scanEventsPerSecond(),
                    "",
                    "raw " + n(r.rawScanEventsPerSecond()),
                    pct(r.scanEventsPerSecond() / r.rawScanEventsPerSecond())));
        }
        return out;
    }

    /** The own-aggregate cell of the floor thread kind (the first run) with these appenders (-1: any) and batch. */
    private Optional<CellRow> cell(int appenders, int batch) {
        List<CellRow> rows = rows();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        AppendCell.ThreadKind kind = rows.getFirst().engine().cell().threads();
        return rows.stream()
                .filter(r -> r.engine().cell().threads() == kind
                        && r.engine().cell().aggregates() == Aggregates.OWN
                        && r.engine().cell().batch() == batch
                        && (appenders < 0 || r.engine().cell().appenders() == appenders))
                .findFirst();
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("started", started.toString());
        root.put("command", command);
        root.put("floors", floors());
        root.put("rounds", rounds);
        List<Map<String, Object>> list = new ArrayList<>();
        for (CellRow r : rows()) {
            EngineAppendRun.Result e = r.engine();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cell", e.cell());
            m.put("seconds", e.seconds());
            m.put("events_per_second", e.eventsPerSecond());
            m.put("appends_per_second", e.appendsPerSecond());
            m.put("latency_ns", e.latency());
            m.put("fsyncs_per_second", e.fsyncsPerSecond());
            m.put("events_per_fsync", e.eventsPerFsync());
            m.put("bytes_per_fsync", e.bytesPerFsync());
            m.put("engine_fsync_ns", e.fsync());
            m.put("writer_cycle_ns", e.cycle());
            m.put("cpu_percent", e.cpuPercent());
            m.put("cpu_micros_per_event", e.cpuMicrosPerEvent());
            m.put("allocated_bytes_per_event", e.allocatedBytesPerEvent());
            m.put("writer_on_cpu_percent", e.writerBusyPercent());
            m.put("writer_waiting_for_cpu_percent", e.writerWaitPercent());
            m.put("other_processes_cpu_percent", e.othersCpuPercent());
            m.put("errors", e.errors());
            m.put("baseline", baselineJson(r.baseline()));
            m.put("baseline_events_per_second", r.baselineEventsPerSecond());
            m.put("ratio_to_baseline", r.ratio());
            m.put("p99_in_baseline_fsync_p50", r.p99InFsyncs());
            list.add(m);
        }
        root.put("append_cells", list);
        Map<String, Object> fixedJson = new LinkedHashMap<>();
        fixed.forEach((frames, b) -> fixedJson.put(Integer.toString(frames), baselineJson(b)));
        root.put("fixed_baselines", fixedJson);
        if (reads != null) {
            root.put("reads", reads);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    private static Map<String, Object> baselineJson(RawFsyncBaseline.Result b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", b.mode());
        m.put("seconds", b.seconds());
        m.put("bytes_per_sync", b.bytesPerSync());
        m.put("syncs_per_second", b.syncsPerSecond());
        m.put("megabytes_per_second", b.megabytesPerSecond());
        m.put("write_and_fsync_ns", b.cycle());
        m.put("fsync_ns", b.fsync());
        return m;
    }

    private static String errors(EngineAppendRun.Result e) {
        if (e.errors().isEmpty()) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        e.errors()
                .forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ")
                        .append(v)
                        .append(' ')
                        .append(k));
        return sb.toString();
    }

    private static String times(long a, long b) {
        return b == 0 ? "" : fmt1((double) a / b) + "×";
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }

    private static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
