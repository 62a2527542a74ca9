package dev.hindsight.loadgen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a load-generator run: as a table for people ({@link #table()}) and as JSON for tools and for
 * comparing runs ({@link #toJson()}). Latencies are in milliseconds. Immutable.
 */
public final class Report {
    /**
     * The machine it ran on.
     *
     * @param cores available processors
     * @param cpu CPU model, if known
     * @param java Java runtime version
     * @param os operating system
     * @param loadAverageStart the 1-minute load average when the run started (-1 if unknown)
     * @param loadAverageEnd the same when it ended
     */
    record Machine(int cores, String cpu, String java, String os, double loadAverageStart, double loadAverageEnd) {}

    /**
     * The reads of the measure phase.
     *
     * @param rate reads per second asked for
     * @param loads {@code GET /api/orders/{id}}
     * @param byUser {@code GET /api/orders?user_id=}
     * @param byStatus {@code GET /api/orders?status=}
     * @param errors failed reads
     */
    record Reads(
            double rate, LatencyHistogram loads, LatencyHistogram byUser, LatencyHistogram byStatus, Errors errors) {}

    private final LoadGenOptions options;
    private final String target;
    private final Machine machine;
    private final Instant startedAt;
    private final Instant finishedAt;
    private final WritePhase.@Nullable Result warmup;
    private final List<WritePhase.Result> phases;
    private final @Nullable Reads reads;
    private final long events;
    private final @Nullable DiskUsage disk;
    private final Consistency consistency;

    Report(
            LoadGenOptions options,
            String target,
            Machine machine,
            Instant startedAt,
            Instant finishedAt,
            WritePhase.@Nullable Result warmup,
            List<WritePhase.Result> phases,
            @Nullable Reads reads,
            long events,
            @Nullable DiskUsage disk,
            Consistency consistency) {
        this.options = options;
        this.target = target;
        this.machine = machine;
        this.startedAt = startedAt;
        this.finishedAt = finishedAt;
        this.warmup = warmup;
        this.phases = List.copyOf(phases);
        this.reads = reads;
        this.events = events;
        this.disk = disk;
        this.consistency = consistency;
    }

    /** What went wrong: failed commands or reads, or an inconsistent store; empty when all is well. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (warmup != null && warmup.errors().total() > 0) {
            out.add("warmup: " + warmup.errors().total() + " command(s) failed: "
                    + warmup.errors().byKind());
        }
        for (WritePhase.Result p : phases) {
            if (p.errors().total() > 0) {
                out.add(p.name() + ": " + p.errors().total() + " command(s) failed: "
                        + p.errors().byKind());
            }
            if (p.lagTimeouts() > 0) {
                out.add(p.name() + ": " + p.lagTimeouts() + " projection lag probe(s) timed out");
            }
        }
        if (reads != null && reads.errors().total() > 0) {
            out.add("reads: " + reads.errors().total() + " failed: "
                    + reads.errors().byKind());
        }
        if (!consistency.rowsOk()) {
            out.add("the read model has " + (consistency.readModelRowsAfter() - consistency.readModelRowsBefore())
                    + " new rows for " + consistency.ordersCreated() + " orders created");
        }
        if (consistency.loadMismatches() + consistency.readModelMismatches() > 0) {
            out.add("orders at unexpected versions: " + consistency.examples());
        }
        return out;
    }

    /** The report as pretty-printed JSON (snake_case keys). */
    public String toJson() {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("started_at", startedAt.toString());
        root.put("finished_at", finishedAt.toString());
        root.put("target", target);
        ObjectNode m = root.putObject("machine");
        m.put("cores", machine.cores());
        m.put("cpu", machine.cpu());
        m.put("java", machine.java());
        m.put("os", machine.os());
        m.put("load_average_start", machine.loadAverageStart());
        m.put("load_average_end", machine.loadAverageEnd());
        options(root.putObject("options"));
        if (warmup != null) {
            ObjectNode w = root.putObject("warmup");
            w.put("seconds", round(warmup.seconds(), 3));
            w.put("orders_created", warmup.ordersCreated());
            w.put("events", warmup.commands());
            w.put("errors", warmup.errors().total());
        } else {
            root.putNull("warmup");
        }
        ArrayNode ps = root.putArray("phases");
        for (WritePhase.Result p : phases) {
            phase(ps.addObject(), p);
        }
        if (reads != null) {
            ObjectNode r = root.putObject("reads");
            r.put("rate", reads.rate());
            summary(r.putObject("order_load_ms"), reads.loads());
            summary(r.putObject("query_by_user_ms"), reads.byUser());
            summary(r.putObject("query_by_status_ms"), reads.byStatus());
            errors(r.putObject("errors"), reads.errors());
        } else {
            root.putNull("reads");
        }
        store(root.putObject("store"));
        ObjectNode c = root.putObject("consistency");
        c.put("orders_created", consistency.ordersCreated());
        c.put("read_model_rows_before", consistency.readModelRowsBefore());
        c.put("read_model_rows_after", consistency.readModelRowsAfter());
        c.put("read_model_rows_ok", consistency.rowsOk());
        c.put("orders_checked", consistency.ordersChecked());
        c.put("load_version_mismatches", consistency.loadMismatches());
        c.put("read_model_version_mismatches", consistency.readModelMismatches());
        consistency.examples().forEach(c.putArray("examples")::add);
        c.put("ok", consistency.ok());
        root.put("ok", problems().isEmpty());
        try {
            return Json.mapper()
                            .writer()
                            .with(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void options(ObjectNode o) {
        o.put("data_dir", options.dataDir() == null ? null : options.dataDir().toString());
        o.put("url", options.url() == null ? null : options.url().toString());
        o.put("fsync", options.fsync().name().toLowerCase(Locale.ROOT));
        o.put("days", options.days());
        o.put("fill_rate", options.fillRate() == 0 ? "max" : String.valueOf(options.fillRate()));
        o.put("duration_seconds", options.duration().toMillis() / 1000.0);
        o.put("warmup_seconds", options.warmup().toMillis() / 1000.0);
        o.put("rate", options.rate() == 0 ? "max" : String.valueOf(options.rate()));
        o.put("orders_per_day", options.ordersPerDay());
        o.put("users", options.users());
        o.put("concurrency", options.concurrency());
        o.put("read_rate", options.readRate());
        o.put("seed", options.seed());
    }

    private static void phase(ObjectNode o, WritePhase.Result p) {
        o.put("name", p.name());
        o.put("orders_created", p.ordersCreated());
        o.put("commands", p.commands());
        o.put("events", p.commands());
        o.put("seconds", round(p.seconds(), 3));
        o.put("events_per_second", round(p.eventsPerSecond(), 1));
        o.put("commands_per_second", round(p.eventsPerSecond(), 1));
        o.put("read_model_caught_up_seconds", p.catchUpSeconds() < 0 ? null : round(p.catchUpSeconds(), 3));
        o.put(
                "events_per_second_incl_catch_up",
                p.catchUpSeconds() <= 0 ? null : round(p.commands() / p.catchUpSeconds(), 1));
        o.put("process_cpu_seconds", round(p.cpuSeconds(), 2));
        o.put("cpu_microseconds_per_event", round(p.cpuMicrosPerEvent(), 1));
        ObjectNode sustained = o.putObject("sustained_events_per_second");
        long[] full = fullSeconds(p.perSecond());
        sustained.put("min", full.length == 0 ? 0 : full[0]);
        sustained.put("p10", full.length == 0 ? 0 : full[(int) (full.length * 0.10)]);
        sustained.put("median", full.length == 0 ? 0 : full[full.length / 2]);
        o.put("simulated_from", SimulatedClock.instant(p.simulatedFrom()).toString());
        o.put("simulated_to", SimulatedClock.instant(p.simulatedTo()).toString());
        ObjectNode verbs = o.putObject("commands_by_verb");
        p.byVerb().forEach((v, n) -> verbs.put(v.wire(), n));
        summary(o.putObject("command_latency_ms"), p.latency());
        summary(o.putObject("command_service_time_ms"), p.serviceTime());
        summary(o.putObject("projection_lag_ms"), p.lag());
        o.put("projection_lag_timeouts", p.lagTimeouts());
        summary(o.putObject("projection_status_lag_ms"), p.statusLag());
        if (p.commits() != null) {
            ObjectNode gc = o.putObject("group_commit");
            gc.put("batches", p.commits().batches());
            gc.put("events_per_batch", round(p.commits().eventsPerBatch(), 1));
            summary(gc.putObject("fsync_ms"), p.commits().fsync);
        } else {
            o.putNull("group_commit");
        }
        ArrayNode t = o.putArray("events_per_second_timeline");
        Arrays.stream(p.perSecond()).forEach(t::add);
        errors(o.putObject("errors"), p.errors());
    }

    /** The per-second counts without the last (partial) second, sorted ascending. */
    private static long[] fullSeconds(long[] perSecond) {
        long[] full = Arrays.copyOf(perSecond, Math.max(0, perSecond.length - 1));
        Arrays.sort(full);
        return full;
    }

    private static void summary(ObjectNode o, LatencyHistogram h) {
        LatencyHistogram.Summary s = h.summary();
        o.put("count", s.count());
        o.put("p50", s.p50());
        o.put("p95", s.p95());
        o.put("p99", s.p99());
        o.put("p999", s.p999());
        o.put("max", s.max());
        o.put("mean", round(s.mean(), 3));
    }

    private static void errors(ObjectNode o, Errors errors) {
        for (Map.Entry<String, Map.Entry<Long, String>> e : errors.byKind().entrySet()) {
            ObjectNode k = o.putObject(e.getKey());
            k.put("count", e.getValue().getKey());
            k.put("example", e.getValue().getValue());
        }
    }

    private void store(ObjectNode o) {
        o.put("events", events);
        if (disk == null) {
            o.putNull("bytes_on_disk");
            o.putNull("bytes_per_event");
            return;
        }
        ObjectNode b = o.putObject("bytes_on_disk");
        b.put("log", disk.log());
        b.put("snapshots", disk.snapshots());
        b.put("read_model", disk.readModel());
        b.put("other", disk.other());
        b.put("total", disk.total());
        b.put("allocated", disk.allocated());
        ObjectNode per = o.putObject("bytes_per_event");
        per.put("log", perEvent(disk.log()));
        per.put("snapshots", perEvent(disk.snapshots()));
        per.put("read_model", perEvent(disk.readModel()));
        per.put("total", perEvent(disk.total()));
    }

    private double perEvent(long bytes) {
        return events <= 0 ? 0 : round((double) bytes / events, 1);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** The report as a plain-text table. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                "Hindsight loadgen: %s, %d cores, Java %s, load average %.1f -> %.1f%n",
                target, machine.cores(), machine.java(), machine.loadAverageStart(), machine.loadAverageEnd()));
        sb.append(String.format(
                "%n%-8s %10s %11s %9s %11s %12s %14s %10s%n",
                "phase", "orders", "events", "seconds", "events/s", "commands/s", "read model at", "CPU µs/ev"));
        for (WritePhase.Result p : phases) {
            sb.append(String.format(
                    "%-8s %,10d %,11d %9.1f %,11.0f %,12.0f %14s %10.0f%n",
                    p.name(),
                    p.ordersCreated(),
                    p.commands(),
                    p.seconds(),
                    p.eventsPerSecond(),
                    p.eventsPerSecond(),
                    p.catchUpSeconds() < 0 ? "-" : String.format("%.1f s", p.catchUpSeconds()),
                    p.cpuMicrosPerEvent()));
        }
        sb.append(String.format("%n%-34s %9s %8s %8s %8s %8s%n", "latency (ms)", "count", "p50", "p95", "p99", "max"));
        for (WritePhase.Result p : phases) {
            row(sb, "commands [" + p.name() + "]", p.latency());
        }
        if (reads != null) {
            row(sb, "order load GET /api/orders/{id}", reads.loads());
            row(sb, "read model query by user", reads.byUser());
            row(sb, "read model query by status", reads.byStatus());
        }
        for (WritePhase.Result p : phases) {
            row(sb, "projection lag [" + p.name() + "]", p.lag());
            row(sb, "projection status lag [" + p.name() + "]", p.statusLag());
            if (p.commits() != null) {
                row(
                        sb,
                        String.format(
                                "fsync [%s, %.0f events/batch]",
                                p.name(), p.commits().eventsPerBatch()),
                        p.commits().fsync);
            }
        }
        sb.append('\n');
        if (disk != null && events > 0) {
            sb.append(String.format(
                    "store: %,d events, %,.1f MB on disk = %,.0f bytes/event (log %,.0f, snapshots"
                            + " %,.0f, read model %,.0f)%n",
                    events,
                    disk.total() / 1e6,
                    perEvent(disk.total()),
                    perEvent(disk.log()),
                    perEvent(disk.snapshots()),
                    perEvent(disk.readModel())));
        } else {
            sb.append(String.format("store: %,d events (bytes on disk: not measured)%n", events));
        }
        sb.append(String.format(
                "consistency: %,d orders created; read model rows %s; %,d orders checked: %s%n",
                consistency.ordersCreated(),
                consistency.readModelRowsAfter() < 0
                        ? "not counted"
                        : String.format("+%,d", consistency.readModelRowsAfter() - consistency.readModelRowsBefore()),
                consistency.ordersChecked(),
                consistency.ok() ? "OK" : "MISMATCH " + consistency.examples()));
        for (String problem : problems()) {
            sb.append("PROBLEM ").append(problem).append('\n');
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, LatencyHistogram h) {
        LatencyHistogram.Summary s = h.summary();
        sb.append(String.format(
                "%-34s %,9d %8.2f %8.2f %8.2f %8.2f%n", name, s.count(), s.p50(), s.p95(), s.p99(), s.max()));
    }
}
