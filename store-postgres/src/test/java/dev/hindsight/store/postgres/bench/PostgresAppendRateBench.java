package dev.hindsight.store.postgres.bench;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * What appends at a steady rate cost PostgreSQL: single-event appends to random aggregates, one virtual thread per
 * append started at its due time (like {@code loadgen}'s commands), through {@code EventStore} with group commit (two
 * writers, synchronous commit), for a fixed time. Prints the appends' latency from their due time, group-commit batches
 * per event, and the CPU per event of the store's backends (found by application name) and of PostgreSQL's WAL writer,
 * background writer and checkpointer ({@code /proc}, so PostgreSQL must run on this host). Comparative only: other
 * work on the server's WAL changes the flush times.
 *
 * <p>Not a test: {@code java -cp <classpath> dev.hindsight.store.postgres.bench.PostgresAppendRateBench}. System
 * properties: {@code bench.rate} (appends/s, default 1000), {@code bench.seconds} (default 20, after 5 s of warm-up),
 * {@code bench.lingerUs} (group-commit linger, default 1000), {@code bench.partitions} (of {@code events}, default 16).
 */
public final class PostgresAppendRateBench {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");
    private static final String DATA = "{\"order_id\":\"o-123456\",\"amount\":12345,\"currency\":\"EUR\",\"items\":"
            + "[{\"sku\":\"A-123\",\"qty\":3}]}";

    private PostgresAppendRateBench() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("bench.rate", 1000);
        int seconds = Integer.getInteger("bench.seconds", 20);
        long lingerUs = Long.getLong("bench.lingerUs", 1000);
        int partitions = Integer.getInteger("bench.partitions", 16);
        String schema = "rate_" + UUID.randomUUID().toString().substring(0, 8);
        String app = "hindsight-bench-" + schema;
        PostgresOptions options = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withPartitions(partitions)
                .withGroupCommit(true, 2)
                .withGroupCommitLinger(Duration.ofNanos(lingerUs * 1000))
                .withApplicationName(app);
        try (PostgresEventLog log = PostgresEventLog.open(options);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            run(store, threads, rate, 5, null);
            long[] cpu0 = cpu(app);
            PostgresEventLog.GroupCommitStats gc0 = log.groupCommitStats();
            long[] latencies = run(store, threads, rate, seconds, app);
            long[] cpu1 = cpu(app);
            PostgresEventLog.GroupCommitStats gc1 = log.groupCommitStats();
            double events = latencies.length;
            Arrays.sort(latencies);
            String[] load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            System.out.printf(
                    Locale.ROOT,
                    "%s load %s, %d partitions, linger %d us, %d appends/s for %d s: append latency p50 %.2f p99 %.2f ms;"
                            + " batches/event %.3f; PostgreSQL CPU us/event: store backends %.1f, WAL writer and"
                            + " background processes %.1f, total %.1f%n",
                    Instant.now(),
                    load[0],
                    partitions,
                    lingerUs,
                    rate,
                    seconds,
                    latencies[(int) (events * 0.5)] / 1e6,
                    latencies[(int) (events * 0.99)] / 1e6,
                    (gc1.batches() - gc0.batches()) / events,
                    (cpu1[0] - cpu0[0]) * 10_000.0 / events,
                    (cpu1[1] - cpu0[1]) * 10_000.0 / events,
                    (cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) * 10_000.0 / events);
        } finally {
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** Appends at {@code rate} for {@code seconds}; returns each append's latency from its due time (ns). */
    private static long[] run(
            EventStore store,
            ExecutorService threads,
            int rate,
            int seconds,
            @org.jspecify.annotations.Nullable String tag)
            throws Exception {
        int n = rate * seconds;
        long start = System.nanoTime() + 10_000_000;
        long interval = 1_000_000_000L / rate;
        SplittableRandom random = new SplittableRandom(tag == null ? 1 : 2);
        List<Future<Long>> done = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long due = start + i * interval;
            String aggregate = "order-" + random.nextInt(100_000);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            done.add(threads.submit(() -> {
                store.append(aggregate, ExpectedVersion.ANY, EventData.of("OrderPlaced", DATA));
                return System.nanoTime() - due;
            }));
        }
        long[] latencies = new long[n];
        for (int i = 0; i < n; i++) {
            latencies[i] = done.get(i).get();
        }
        return latencies;
    }

    /** Clock ticks used so far: {store's backends, WAL writer + background writer + checkpointer}. */
    private static long[] cpu(String app) throws SQLException, java.io.IOException {
        List<Integer> store = new ArrayList<>();
        List<Integer> background = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pid, application_name, backend_type FROM pg_stat_activity")) {
            while (rs.next()) {
                String type = rs.getString(3);
                if (app.equals(rs.getString(2))) {
                    store.add(rs.getInt(1));
                } else if ("walwriter".equals(type)
                        || "background writer".equals(type)
                        || "checkpointer".equals(type)) {
                    background.add(rs.getInt(1));
                }
            }
        }
        return new long[] {ticks(store), ticks(background)};
    }

    private static long ticks(List<Integer> pids) throws java.io.IOException {
        long sum = 0;
        for (int pid : pids) {
            Path p = Path.of("/proc/" + pid + "/stat");
            if (!Files.exists(p)) {
                continue;
            }
            String stat = Files.readString(p);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        return sum;
    }
}
