package dev.hindsight.bench.peers;

import dev.hindsight.bench.scenario.Payloads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench peers}: Hindsight's PostgreSQL engine against Axon Framework's JDBC engine and Message DB on
 * the same PostgreSQL, in one run,
 * with the same payloads and concurrency: appends/s at each client count with 1- and 100-event appends, then the load
 * latency of 1,000-event aggregates. Every appender appends to aggregates of its own with exact expected versions.
 * Not thread-safe (one run).
 */
@Command(
        name = "peers",
        mixinStandardHelpOptions = true,
        description =
                "Hindsight's PostgreSQL engine (group commit on and off) against Axon's JDBC engine and Message DB on the same"
                        + " PostgreSQL: appends/s and 1,000-event aggregate loads. Installs Message DB (npm) into a scratch"
                        + " database through `su postgres` (run as root).")
public final class PeersCommand implements Callable<Integer> {
    @Option(names = "--pg-url", description = "JDBC URL of the database for Hindsight's schemas")
    String pgUrl = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");

    @Option(names = "--pg-user")
    String user = env("HINDSIGHT_PG_USER", "hindsight");

    @Option(names = "--pg-password")
    String password = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per cell (default: 5)")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "Unmeasured seconds per cell (default: 2)")
    int warmup;

    @Option(
            names = "--clients",
            split = ",",
            defaultValue = "1,8,32",
            description = "Appender counts (default: 1,8,32)")
    int[] clients;

    @Option(names = "--only", defaultValue = ".*", description = "Regex of contender names to run")
    String only;

    @Option(names = "--loads", defaultValue = "300", description = "Timed aggregate loads per contender")
    int loads;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private record Cell(String contender, int clients, int batch, double eventsPerSecond) {}

    @Override
    public Integer call() throws Exception {
        String base = pgUrl.substring(0, pgUrl.lastIndexOf('/') + 1);
        Pattern filter = Pattern.compile(only);
        List<Cell> cells = new ArrayList<>();
        Map<String, double[]> loadMillis = new LinkedHashMap<>();
        int pool = Arrays.stream(clients).max().orElse(1) + 2;
        Map<String, Callable<Contender>> all = new LinkedHashMap<>();
        all.put(
                "Hindsight PostgreSQL, group commit on",
                () -> new HindsightContender(pgUrl, user, password, "peers_hs_gc", true));
        all.put(
                "Hindsight PostgreSQL, group commit off",
                () -> new HindsightContender(pgUrl, user, password, "peers_hs", false));
        all.put("Axon " + AxonContender.VERSION, () -> new AxonContender(pgUrl, user, password, "peers_axon", pool));
        all.put(
                "Message DB " + MessageDbContender.VERSION,
                () -> MessageDbContender.install(base, "hindsight_peers_mdb", user, password, pool));
        for (Map.Entry<String, Callable<Contender>> e : all.entrySet()) {
            if (!filter.matcher(e.getKey()).find()) {
                continue;
            }
            try (Contender c = e.getValue().call()) {
                for (int batch : new int[] {1, 100}) {
                    for (int n : clients) {
                        double rate = appendCell(c, n, batch);
                        cells.add(new Cell(c.name(), n, batch, rate));
                        System.out.printf(
                                Locale.ROOT,
                                "%-40s %3d clients × %3d events: %,10.0f events/s%n",
                                c.name(),
                                n,
                                batch,
                                rate);
                    }
                }
                loadMillis.put(c.name(), loadCell(c));
            }
        }
        print(cells, loadMillis);
        return 0;
    }

    /** Events/s of {@code n} appenders, each appending {@code batch} events at a time to aggregates of its own. */
    private double appendCell(Contender c, int n, int batch) throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong events = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String cell = Long.toString(System.nanoTime(), 36);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                List<String> payload = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    payload.add(Payloads.json(500, id * 1000L + i));
                }
                // A new aggregate every 100 appends: streams stay short, as orders are.
                long version = 0;
                int aggregate = 0;
                while (!stop.get()) {
                    if (version >= 100L * batch) {
                        aggregate++;
                        version = 0;
                    }
                    try {
                        c.append(cell + "-" + id + "-" + aggregate, version, payload);
                        version += batch;
                        if (measuring.get()) {
                            events.addAndGet(batch);
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        aggregate++;
                        version = 0;
                    }
                }
            }));
        }
        Thread.sleep(warmup * 1000L);
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            System.out.printf("  (%d failed appends in %s)%n", errors.get(), c.name());
        }
        return events.get() / elapsed;
    }

    /** p50 and p99 ms of loading 1,000-event aggregates (10 of them, written first, loaded in turn). */
    private double[] loadCell(Contender c) throws Exception {
        String prefix = "load-" + Long.toString(System.nanoTime(), 36) + "-";
        List<String> hundred = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            hundred.add(Payloads.json(500, i));
        }
        for (int a = 0; a < 10; a++) {
            for (int v = 0; v < 1000; v += 100) {
                c.append(prefix + a, v, hundred);
            }
        }
        Histogram h = new Histogram(3);
        for (int i = 0; i < loads + 50; i++) {
            long t0 = System.nanoTime();
            int n = c.load(prefix + (i % 10));
            long nanos = System.nanoTime() - t0;
            if (n != 1000) {
                throw new IllegalStateException(c.name() + " loaded " + n + " events, not 1000");
            }
            if (i >= 50) {
                h.recordValue(nanos);
            }
        }
        return new double[] {h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6};
    }

    private static void print(List<Cell> cells, Map<String, double[]> loads) {
        System.out.println();
        System.out.println("| contender | appenders | events per append | events/s |");
        System.out.println("|---|---:|---:|---:|");
        for (Cell c : cells) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %,.0f |%n",
                    c.contender(),
                    c.clients(),
                    c.batch(),
                    c.eventsPerSecond());
        }
        System.out.println();
        System.out.println("| contender | 1,000-event aggregate load p50 ms | p99 ms |");
        System.out.println("|---|---:|---:|");
        loads.forEach((k, v) -> System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", k, v[0], v[1]));
        double mdb = rate(cells, "Message DB", 32, 1);
        double axon = rate(cells, "Axon", 32, 1);
        double[] axonLoad = loads.entrySet().stream()
                .filter(e -> e.getKey().startsWith("Axon"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        for (String hs : List.of("Hindsight PostgreSQL, group commit on", "Hindsight PostgreSQL, group commit off")) {
            double r = rate(cells, hs, 32, 1);
            if (r > 0 && mdb > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "%s vs Message DB at 32 single-event appenders: %.2f× (floor ≥ 5×): %s%n",
                        hs,
                        r / mdb,
                        r / mdb >= 5 ? "PASS" : "MISS");
            }
            if (r > 0 && axon > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "%s vs Axon at 32 single-event appenders: %.2f× (floor ≥ 2×): %s%n",
                        hs,
                        r / axon,
                        r / axon >= 2 ? "PASS" : "MISS");
            }
            double[] own = loads.get(hs);
            if (own != null && axonLoad != null) {
                System.out.printf(
                        Locale.ROOT,
                        "%s 1,000-event load p99 %.2f ms vs Axon's %.2f ms: %.2f (floor ≤ 0.5): %s%n",
                        hs,
                        own[1],
                        axonLoad[1],
                        own[1] / axonLoad[1],
                        own[1] / axonLoad[1] <= 0.5 ? "PASS" : "MISS");
            }
        }
    }

    private static double rate(List<Cell> cells, String prefix, int clients, int batch) {
        return cells.stream()
                .filter(c -> c.contender().startsWith(prefix) && c.clients() == clients && c.batch() == batch)
                .mapToDouble(Cell::eventsPerSecond)
                .findFirst()
                .orElse(-1);
    }
}
