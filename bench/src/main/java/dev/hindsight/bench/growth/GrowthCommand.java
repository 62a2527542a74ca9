package dev.hindsight.bench.growth;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench growth}: grows a file store with seed-shaped events, replayed from a store that
 * {@code hindsight loadgen --days N} filled (its order lifecycles, payloads and types; each round under new aggregate
 * ids), and at each checkpoint measures what must stay flat as the store grows: heap after GC and open time of a fresh
 * open, bytes per event on disk by component, compression, sequential (decompressing) read rate, the p99 load of a
 * 1,000-event aggregate written at the start, and durable 64-appender throughput. The first checkpoint is the same-run
 * baseline of the later ones.
 */
@Command(
        name = "growth",
        mixinStandardHelpOptions = true,
        description = "Grow a file store to each checkpoint and measure heap, open time, bytes/event, reads, appends.")
public final class GrowthCommand implements Callable<Integer> {
    @Option(names = "--source", description = "A store filled by `hindsight loadgen --days N`.")
    @Nullable
    Path source;

    @Option(
            names = "--measure-only",
            description = "Measure the existing --dir (no fill); repeat to compare stores on a quiet machine.")
    boolean measureOnly;

    @Option(
            names = "--open-only",
            hidden = true,
            description = "Child process: open --dir, print open seconds and heap after GC, exit.")
    boolean openOnly;

    @Option(names = "--dir", required = true, description = "Store to grow (created; must not exist).")
    Path dir;

    @Option(
            names = "--checkpoints",
            split = ",",
            description = "Event counts to measure at (default: 3000000,30000000).")
    List<Long> checkpoints = List.of(3_000_000L, 30_000_000L);

    @Option(names = "--threads", description = "Fill threads (default: ${DEFAULT-VALUE}).")
    int threads = 8;

    @Option(names = "--append-seconds", description = "Measured seconds of the 64-appender run (default: 10).")
    int appendSeconds = 10;

    @Option(
            names = "--archive-url",
            description = "After the last checkpoint: archive every sealed segment there, then time cold and warm"
                    + " reads of archived aggregates (e.g. s3://bench/grown with --s3-endpoint from bench/s3proxy.sh).")
    @Nullable
    String archiveUrl;

    @Option(names = "--s3-endpoint", description = "S3-compatible server for --archive-url.")
    @Nullable
    String s3Endpoint;

    @Option(
            names = "--archive-cache-bytes",
            description = "Budget of local copies of archived segments in the archive phase (default: the store's"
                    + " default; 0: none, every archived read goes to the object store).")
    @Nullable
    Long archiveCacheBytes;

    private @Nullable Row baseline;
    private int lastRoundSize;
    private int firstRoundSize; // round 0 may copy only part of the source (a source larger than the first checkpoint)

    /** A source event and its aggregate. */
    record Src(String aggregate, EventData data) {}

    record Row(
            long events,
            double fillPerSec,
            double openSeconds,
            double heapMb,
            double logBytesPerEvent,
            double indexBytesPerEvent,
            double ratio,
            double compressMbPerSec,
            double readMbPerSec,
            double loadP99Ms,
            double appendsPerSec) {}

    @Override
    public Integer call() throws Exception {
        if (openOnly) {
            long t0 = System.nanoTime();
            try (FileEventLog log =
                    FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER))) {
                double open = (System.nanoTime() - t0) / 1e9;
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                long heap =
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                System.out.println(
                        "OPEN " + open + " " + heap + " " + log.storage().events() + " " + log.indexMemtableEvents());
            }
            return 0;
        }
        if (measureOnly) {
            long events;
            try (FileEventLog log =
                    FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER))) {
                events = log.storage().events();
            }
            System.out.println("| events | fill ev/s | open s | heap after GC MB | log B/ev | index B/ev | zstd ratio |"
                    + " compress MB/s | cold seq read MB/s | 1,000-event load p99 ms | 64 appenders ev/s (fsync) |");
            print(measure(events, 0, new FileEventLog.CompactionStats(0, 0, 0, 0, 0)));
            return 0;
        }
        if (source == null) {
            throw new IllegalArgumentException("--source is required");
        }
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(dir + " exists; give a new directory");
        }
        List<Src> seed = loadSource();
        System.out.printf(
                Locale.ROOT,
                "source: %,d events from %s; %d fill threads; %d cores%n",
                seed.size(),
                source,
                threads,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| events | fill ev/s | open s | heap after GC MB | log B/ev | index B/ev | zstd ratio |"
                + " compress MB/s | cold seq read MB/s | 1,000-event load p99 ms | 64 appenders ev/s (fsync) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        long written = 0;
        int round = 0;
        FileLogOptions fill = FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER);
        for (long target : checkpoints) {
            long t0 = System.nanoTime();
            long before = written;
            double fillRate;
            FileEventLog.CompactionStats compaction;
            try (FileEventLog log = FileEventLog.open(fill)) {
                EventStore store = EventStore.of(log);
                if (written == 0) {
                    store.append(
                            "big-aggregate",
                            ExpectedVersion.NO_STREAM,
                            seed.subList(0, 1000).stream()
                                    .map(x -> new EventData(
                                            null,
                                            x.data().eventType(),
                                            x.data().schemaVersion(),
                                            x.data().eventData(),
                                            null)) // timestamps of 1,000 orders interleave
                                    .toList());
                    written += 1000;
                }
                while (written < target) {
                    written += replay(store, seed, round++, target - written);
                }
                log.awaitCompaction();
                fillRate = (written - before) / ((System.nanoTime() - t0) / 1e9);
                compaction = log.compaction();
            }
            print(measure(written, fillRate, compaction));
        }
        if (archiveUrl != null) {
            archivePhase(seed, round);
        }
        return 0;
    }

    private List<Src> loadSource() {
        List<Src> out = new ArrayList<>();
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(source))) {
            Position p = Position.START;
            while (true) {
                GlobalSlice s = log.readAll(p, 10_000, EventFilter.ALL);
                if (s.events().isEmpty()) {
                    return out;
                }
                for (RecordedEvent e : s.events()) {
                    out.add(new Src(
                            e.aggregateId(),
                            new EventData(null, e.eventType(), e.schemaVersion(), e.eventData(), e.metadata())));
                }
                p = s.next();
            }
        }
    }

    /** Appends the source once more under new aggregate ids, per-aggregate order kept; returns events written. */
    private long replay(EventStore store, List<Src> seed, int round, long most) throws Exception {
        int n = (int) Math.min(seed.size(), most);
        lastRoundSize = n;
        if (round == 0) {
            firstRoundSize = n;
        }
        AtomicLong done = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int lane = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        Src e = seed.get(i);
                        String agg = e.aggregate() + "-r" + round;
                        if (Math.floorMod(agg.hashCode(), threads) == lane) {
                            store.append(agg, ExpectedVersion.ANY, e.data());
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        return done.get();
    }

    private Row measure(long events, double fillRate, FileEventLog.CompactionStats c) throws Exception {
        // open time and heap after GC in a fresh JVM (this one holds the source events)
        double[] child = openInChild();
        double open = child[0];
        double heap = child[1] / 1e6;
        double readMbPerSec;
        double loadP99;
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER))) {
            readMbPerSec = sequentialRead(log);
            loadP99 = loadP99(log);
        }
        double appends = durableAppends();
        long logBytes = sizeOf(dir.resolve("segments"));
        long indexBytes = sizeOf(dir.resolve("index"));
        double ratio = c.compressedBytes() == 0 ? 0 : (double) c.plainBytes() / c.compressedBytes();
        double compressRate = c.nanos() == 0 ? 0 : c.plainBytes() / 1e6 / (c.nanos() / 1e9);
        return new Row(
                events,
                fillRate,
                open,
                heap,
                (double) logBytes / events,
                (double) indexBytes / events,
                ratio,
                compressRate,
                readMbPerSec,
                loadP99,
                appends);
    }

    /** Archives every sealed segment, then reads archived aggregates cold (new open, empty cache) and warm. */
    private void archivePhase(List<Src> seed, int rounds) throws Exception {
        try (dev.hindsight.core.spi.ObjectStore store =
                dev.hindsight.archive.ObjectStores.open(archiveUrl, s3Endpoint)) {
            FileLogOptions o = FileLogOptions.defaults(dir)
                    .withFsync(FsyncPolicy.NEVER)
                    .withArchive(new dev.hindsight.store.file.ArchiveOptions(
                            store,
                            java.time.Duration.ZERO,
                            java.time.Duration.ofDays(1),
                            archiveCacheBytes == null
                                    ? dev.hindsight.store.file.ArchiveOptions.DEFAULT_CACHE_BYTES
                                    : archiveCacheBytes));
            try (FileEventLog log = FileEventLog.open(o)) {
                var run = log.archiveNow();
                System.out.printf(
                        Locale.ROOT,
                        "archive: %d segments, %,d events, %,.1f MB in %.1f s = %.1f MB/s to %s%s%n",
                        run.segments(),
                        run.events(),
                        run.bytes() / 1e6,
                        run.millis() / 1e3,
                        run.bytes() / 1e3 / Math.max(1, run.millis()),
                        store.describe(),
                        run.error() == null ? "" : " (stopped: " + run.error() + ")");
            }
            // aggregates of the first round are in archived segments; of the last round, in the hot tier
            java.util.Random rnd = new java.util.Random(7);
            List<String> archived = new ArrayList<>();
            List<String> hot = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                archived.add(seed.get(rnd.nextInt(firstRoundSize / 2)).aggregate() + "-r0");
                hot.add(seed.get(lastRoundSize - 1 - rnd.nextInt(Math.max(1, lastRoundSize / 4)))
                                .aggregate()
                        + "-r" + (rounds - 1));
            }
            try (FileEventLog log = FileEventLog.open(o)) {
                double[] cold = readTimes(log, archived, "archived cold");
                double[] warm = readTimes(log, archived, "archived warm");
                double[] hotT = readTimes(log, hot, "hot");
                System.out.printf(
                        Locale.ROOT,
                        "reads of one aggregate (200 each): archived cold p50 %.2f p99 %.2f ms; archived warm p50 %.2f"
                                + " p99 %.2f ms; hot p50 %.2f p99 %.2f ms%n",
                        cold[0],
                        cold[1],
                        warm[0],
                        warm[1],
                        hotT[0],
                        hotT[1]);
            }
        }
    }

    /**
     * Times one read of each aggregate, in order; prints the five slowest with their place in the sequence (the first
     * read of a fresh open, the first touch of a segment) and the events read, then returns {p50, p99} in ms.
     */
    private static double[] readTimes(FileEventLog log, List<String> ids, String what) {
        long[] ns = new long[ids.size()];
        int[] sizes = new int[ids.size()];
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            sizes[i] = log.readAggregate(ids.get(i), 1, 1000, ReadDirection.FORWARD)
                    .size();
            ns[i] = System.nanoTime() - t0;
            if (sizes[i] == 0) {
                throw new IllegalStateException(ids.get(i) + " has no events");
            }
        }
        Integer[] order = new Integer[ns.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Long.compare(ns[b], ns[a]));
        StringBuilder slow = new StringBuilder();
        for (int k = 0; k < Math.min(5, order.length); k++) {
            int i = order[k];
            slow.append(String.format(Locale.ROOT, " #%d %.1f ms (%d events);", i, ns[i] / 1e6, sizes[i]));
        }
        System.out.println("slowest " + what + " reads (#: place in the sequence):" + slow);
        Arrays.sort(ns);
        return new double[] {ns[ns.length / 2] / 1e6, ns[(int) (ns.length * 0.99)] / 1e6};
    }

    /** Runs {@code growth --open-only} in a new JVM (same class path, default heap): {open seconds, heap bytes}. */
    private double[] openInChild() throws IOException, InterruptedException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        javaBin,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.hindsight.bench.BenchMain",
                        "growth",
                        "--open-only",
                        "--dir",
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        for (String line : out.lines().toList()) {
            if (line.startsWith("OPEN ")) {
                String[] f = line.split(" ");
                long events = Long.parseLong(f[3]);
                System.out.printf(
                        Locale.ROOT,
                        "open in a fresh JVM: %s s, heap after GC %.1f MB, %,d events, %,d of them in the active"
                                + " segment, %s with their index entries in memory (ADR 0020)%n",
                        f[1],
                        Double.parseDouble(f[2]) / 1e6,
                        events,
                        activeSegmentEvents(events),
                        f.length > 4 ? String.format(Locale.ROOT, "%,d", Long.parseLong(f[4])) : "?");
                return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])};
            }
        }
        throw new IllegalStateException("open in a child JVM failed:\n" + out);
    }

    /** Events in the active segment: those from the newest segment file's base position (its name) on. */
    private long activeSegmentEvents(long events) throws IOException {
        try (var files = Files.list(dir.resolve("segments"))) {
            long base = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("\\d{20}\\.z?log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20)))
                    .max()
                    .orElse(1);
            return events - base + 1;
        }
    }

    /** MB/s of plain record bytes read in order from position 1 (compressed segments, cold block cache). */
    private static double sequentialRead(FileEventLog log) {
        long t0 = System.nanoTime();
        long bytes = 0;
        Position p = Position.START;
        for (int i = 0; i < 200; i++) {
            GlobalSlice s = log.readAll(p, 1000, EventFilter.ALL);
            for (RecordedEvent e : s.events()) {
                bytes += e.eventData().length() + 150;
            }
            p = s.next();
        }
        return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * p99 of the 1,000-event aggregate's loads, measured after a time-based warm-up. The first, cold load is printed on
     * its own line (the sequential read before it evicted the aggregate's blocks); then loads run unmeasured for at
     * least {@link #LOAD_WARMUP_NANOS} and until the p50 of consecutive windows of 100 loads stops falling by more than
     * 5 %, at most ten times that long (JIT: the compiler threads share the machine's cores with the loads); then
     * {@link #LOAD_SAMPLES} loads are timed. p50, p99 and max are printed with the collectors' counts and times during
     * the measured loads, so that a GC pause in the tail is visible rather than blamed on the store.
     */
    private static double loadP99(FileEventLog log) {
        long t0 = System.nanoTime();
        int first = loadBig(log);
        System.out.printf(
                Locale.ROOT,
                "first (cold) 1,000-event load: %.2f ms (%d events)%n",
                (System.nanoTime() - t0) / 1e6,
                first);
        long warmStart = System.nanoTime();
        long warmUntil = warmStart + LOAD_WARMUP_NANOS;
        long warmLimit = warmStart + 10 * LOAD_WARMUP_NANOS;
        double previous = Double.MAX_VALUE;
        int warmLoads = 1;
        while (true) {
            long[] window = timeLoads(log, 100);
            warmLoads += window.length;
            Arrays.sort(window);
            double p50 = window[window.length / 2] / 1e6;
            long now = System.nanoTime();
            boolean settled = p50 > previous * 0.95;
            previous = Math.min(previous, p50);
            if ((now > warmUntil && settled) || now > warmLimit) {
                break;
            }
        }
        double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
        long[] gcBefore = gcTotals();
        long[] ns = timeLoads(log, LOAD_SAMPLES);
        long[] gcAfter = gcTotals();
        Arrays.sort(ns);
        double p99 = ns[(int) (ns.length * 0.99)] / 1e6;
        System.out.printf(
                Locale.ROOT,
                "1,000-event loads: warm-up %d loads in %.1f s; measured %d: p50 %.2f p99 %.2f max %.2f ms;"
                        + " GC during them: %d collections, %d ms%n",
                warmLoads,
                warmSeconds,
                ns.length,
                ns[ns.length / 2] / 1e6,
                p99,
                ns[ns.length - 1] / 1e6,
                gcAfter[0] - gcBefore[0],
                gcAfter[1] - gcBefore[1]);
        return p99;
    }

    private static final long LOAD_WARMUP_NANOS = 10_000_000_000L;

    private static final int LOAD_SAMPLES = 1000;

    /** Times {@code n} loads of the 1,000-event aggregate; fails if one returns another count. */
    private static long[] timeLoads(FileEventLog log, int n) {
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            int got = loadBig(log);
            ns[i] = System.nanoTime() - t0;
            if (got != 1000) {
                throw new IllegalStateException("big-aggregate has " + got + " events");
            }
        }
        return ns;
    }

    private static int loadBig(FileEventLog log) {
        return log.readAggregate("big-aggregate", 1, 1000, ReadDirection.FORWARD)
                .size();
    }

    /** {collections, milliseconds} summed over the JVM's garbage collectors. */
    private static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** Durable (fsync always) single-event appends from 64 threads for the measured seconds. */
    private double durableAppends() throws Exception {
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir))) {
            EventStore store = EventStore.of(log);
            AtomicLong count = new AtomicLong();
            long warm = System.nanoTime() + 2_000_000_000L;
            long end = warm + appendSeconds * 1_000_000_000L;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 64; t++) {
                    int lane = t;
                    pool.submit(() -> {
                        long i = 0;
                        while (System.nanoTime() < end) {
                            store.append(
                                    "durable-" + lane + "-" + (i++ % 1000),
                                    ExpectedVersion.ANY,
                                    EventData.of("Measured", "{\"i\":" + i + "}"));
                            if (System.nanoTime() > warm) {
                                count.incrementAndGet();
                            }
                        }
                        return null;
                    });
                }
            }
            return count.get() / (double) appendSeconds;
        }
    }

    /** Allocated bytes under {@code d} ({@code du}: the active segment is preallocated sparse). */
    private static long sizeOf(Path d) throws IOException {
        Process p = new ProcessBuilder("du", "-sk", d.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        return Long.parseLong(out.split("\\s+")[0]) * 1024;
    }

    private void print(Row r) {
        Row b = baseline == null ? r : baseline;
        if (baseline == null) {
            baseline = r;
        }
        System.out.printf(
                Locale.ROOT,
                "| %,d | %,.0f | %.2f (%.2f×) | %.1f (%.2f×) | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f | %,.0f (%.0f %%) |%n",
                r.events(),
                r.fillPerSec(),
                r.openSeconds(),
                r.openSeconds() / b.openSeconds(),
                r.heapMb(),
                r.heapMb() / b.heapMb(),
                r.logBytesPerEvent(),
                r.indexBytesPerEvent(),
                r.ratio(),
                r.compressMbPerSec(),
                r.readMbPerSec(),
                r.loadP99Ms(),
                r.appendsPerSec(),
                100 * r.appendsPerSec() / b.appendsPerSec());
    }
}
