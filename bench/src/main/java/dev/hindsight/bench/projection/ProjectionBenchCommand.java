package dev.hindsight.bench.projection;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.orders.event.OrderCreated;
import dev.hindsight.orders.event.OrderDelivered;
import dev.hindsight.orders.event.OrderEvent;
import dev.hindsight.orders.event.OrderEvents;
import dev.hindsight.orders.event.OrderLine;
import dev.hindsight.orders.event.OrderPaid;
import dev.hindsight.orders.event.OrderShipped;
import dev.hindsight.orders.projection.OrdersProjection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionOptions;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench projections}: rebuild rate of the orders projection over N order events into SQLite (and
 * PostgreSQL with {@code --pg-url}), and live projection lag (append acknowledged → read model committed) at sustained
 * rates on the embedded default (file log with fsync=always, SQLite). Not thread-safe.
 */
@Command(
        name = "projections",
        mixinStandardHelpOptions = true,
        description = "Projection rebuild rate and live lag (issue 5 floors).")
public final class ProjectionBenchCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Scratch directory (default: a new temp dir).")
    @Nullable
    Path dir;

    @Option(names = "--events", defaultValue = "1000000", description = "Order events for the rebuild (default 1M).")
    int events;

    @Option(
            names = "--baseline-events",
            defaultValue = "100000",
            description = "Order events for the baseline comparison (batched writes and fast builds off vs on).")
    int baselineEvents;

    @Option(names = "--rates", split = ",", defaultValue = "1000,10000", description = "Live rates, events/s.")
    int[] rates;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per live rate.")
    int seconds;

    @Option(names = "--pg-url", description = "Also rebuild into PostgreSQL (JDBC URL); user/password below.")
    @Nullable
    String pgUrl;

    @Option(names = "--pg-user", defaultValue = "hindsight")
    String pgUser;

    @Option(names = "--pg-password", defaultValue = "hindsight")
    String pgPassword;

    @Override
    public Integer call() throws Exception {
        Path d = dir != null ? dir : Files.createTempDirectory("hindsight-bench-projections");
        List<String> rows = new ArrayList<>();
        rows.add("| measurement | value | floor | result |");
        rows.add("|---|---:|---|---|");
        if (baselineEvents > 0) {
            try (EventStore store = EventStore.of(FileEventLog.open(
                    FileLogOptions.defaults(d.resolve("log-baseline")).withFsync(FsyncPolicy.NEVER)))) {
                fill(store, baselineEvents);
                for (boolean on : new boolean[] {false, true}) {
                    // the switches are read when a runner or build starts (dev.hindsight.projection.internal.Switches)
                    System.setProperty("hindsight.projection.batchWrites", String.valueOf(on));
                    System.setProperty("hindsight.projection.fastBuild", String.valueOf(on));
                    String label = on ? "this build" : "baseline: one statement per round trip, logged + indexed";
                    double sq = rebuild(
                            store, ReadModelDatabase.sqlite(d.resolve("baseline-" + on + ".db")), baselineEvents);
                    rows.add(String.format(
                            Locale.ROOT,
                            "| rebuild into SQLite, %,d events (%s) | %,.0f events/s |" + "  |  |",
                            baselineEvents,
                            label,
                            sq));
                    if (pgUrl != null) {
                        double pg = rebuildPostgres(store, baselineEvents);
                        rows.add(String.format(
                                Locale.ROOT,
                                "| rebuild into PostgreSQL, %,d events (%s) | %,.0f" + " events/s |  |  |",
                                baselineEvents,
                                label,
                                pg));
                    }
                }
            }
        }
        try (EventStore store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(d.resolve("log")).withFsync(FsyncPolicy.NEVER)))) {
            long t0 = System.nanoTime();
            fill(store, events);
            System.err.printf(
                    Locale.ROOT, "filled %d order events in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);
            double sqlite = rebuild(store, ReadModelDatabase.sqlite(d.resolve("rebuild.db")), events);
            rows.add(String.format(
                    Locale.ROOT,
                    "| rebuild of `orders` into SQLite, %,d events | %,.0f events/s |" + " ≥ 100,000/s | %s |",
                    events,
                    sqlite,
                    sqlite >= 100_000 ? "PASS" : "MISS"));
            if (pgUrl != null) {
                double pg = rebuildPostgres(store, events);
                rows.add(String.format(
                        Locale.ROOT,
                        "| rebuild of `orders` into PostgreSQL, %,d events | %,.0f" + " events/s | ≥ 100,000/s | %s |",
                        events,
                        pg,
                        pg >= 100_000 ? "PASS" : "MISS"));
            }
        }
        for (int rate : rates) {
            long[] lag = live(d.resolve("live-" + rate), rate, seconds);
            double p50 = pct(lag, 50) / 1e6;
            double p99 = pct(lag, 99) / 1e6;
            boolean floored = rate >= 10_000;
            rows.add(String.format(
                    Locale.ROOT,
                    "| live lag at %,d events/s for %d s (fsync=always, SQLite): p50 /"
                            + " p99 over %,d samples | %.1f / %.1f ms | %s | %s |",
                    rate,
                    seconds,
                    lag.length,
                    p50,
                    p99,
                    floored ? "p99 ≤ 50 ms" : "(seed: 1–2 s ok)",
                    floored ? (p99 <= 50 ? "PASS" : "MISS") : ""));
        }
        rows.forEach(System.out::println);
        return 0;
    }

    /** {@link #rebuild} into a fresh schema of the PostgreSQL database, dropped afterwards; events/s. */
    private double rebuildPostgres(EventStore store, int count) throws Exception {
        String schema = "bench_rebuild_" + System.nanoTime() % 100000;
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setUrl(pgUrl);
            ds.setUser(pgUser);
            ds.setPassword(pgPassword);
            ds.setCurrentSchema(schema);
            return rebuild(store, ReadModelDatabase.postgres(ds), count);
        } finally {
            try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    /** Catch-up of a fresh engine from position 0 into {@code db} until durable and indexed; events/s. */
    private double rebuild(EventStore store, ReadModelDatabase db, int count) throws InterruptedException {
        long t0 = System.nanoTime();
        try (ProjectionEngine engine = ProjectionEngine.builder(store, db)
                .upcasters(OrderEvents.UPCASTERS)
                .add(new OrdersProjection(), new ProjectionOptions(5000, 5000, 3, Duration.ofMillis(100), false))
                .build()
                .start()) {
            if (!engine.awaitPosition(OrdersProjection.NAME, store.head(), Duration.ofMinutes(30))) {
                throw new IllegalStateException("rebuild did not finish: " + engine.status(OrdersProjection.NAME));
            }
            // done = durable and indexed (the first build ends with SET LOGGED and CREATE INDEX)
            while (engine.status(OrdersProjection.NAME).state().equals("building")) {
                Thread.sleep(5);
            }
        } finally {
            db.close();
        }
        return count * 1e9 / (System.nanoTime() - t0);
    }

    /** 4 events per order, 1,000 orders in flight, interleaved by stage. */
    private static void fill(EventStore store, int n) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        int orders = n / 4;
        for (int block = 0; block < orders; block += 1000) {
            int end = Math.min(orders, block + 1000);
            for (int stage = 0; stage < 4; stage++) {
                for (int o = block; o < end; o++) {
                    t = t.plusMillis(1);
                    append(store, o, stage, t);
                }
            }
        }
    }

    private static AppendResult append(EventStore store, int order, int stage, Instant at) {
        String id = String.format(Locale.ROOT, "ord_%08d", order);
        OrderEvent e = switch (stage) {
            case 0 ->
                new OrderCreated(
                        id,
                        "user_" + (order % 5000),
                        List.of(
                                new OrderLine("sku-" + (order % 300), 2, new BigDecimal("19.99")),
                                new OrderLine("pen", 1, new BigDecimal("1.50"))),
                        "USD",
                        new BigDecimal("41.48"),
                        at);
            case 1 -> new OrderPaid("pay_" + order, new BigDecimal("41.48"), "USD", "credit_card", at);
            case 2 -> new OrderShipped("1Z" + order, "UPS", at);
            default -> new OrderDelivered(at);
        };
        EventData data = OrderEvents.REGISTRY.toEventData(
                e,
                null,
                "{\"timestamp\":\"" + at + "\",\"user_id\":\"clerk\",\"correlation_id\":\"req-" + order + "\"}");
        return store.append(id, stage == 0 ? ExpectedVersion.NO_STREAM : ExpectedVersion.exact(stage), data);
    }

    /** Lag samples (nanos, sorted) at {@code rate} events/s for {@code seconds}. */
    private static long[] live(Path d, int rate, int seconds) throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(d.resolve("log"))));
                ReadModelDatabase db = ReadModelDatabase.sqlite(d.resolve("readmodel.db"));
                ProjectionEngine engine = ProjectionEngine.builder(store, db)
                        .add(new OrdersProjection())
                        .build()
                        .start()) {
            long total = (long) rate * seconds;
            int sampleEvery = Math.max(1, rate / 1000);
            AtomicLong ticket = new AtomicLong();
            ConcurrentLinkedQueue<Long> samples = new ConcurrentLinkedQueue<>();
            List<Thread> waiters = new ArrayList<>();
            long start = System.nanoTime() + 200_000_000L;
            int appenders = Math.min(256, Math.max(4, rate / 100));
            List<Thread> threads = new ArrayList<>();
            for (int a = 0; a < appenders; a++) {
                int self = a;
                threads.add(Thread.ofVirtual().start(() -> {
                    long i;
                    long mine = 0;
                    while ((i = ticket.getAndIncrement()) < total) {
                        long due = start + i * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        // each appender owns its orders, so an order's events arrive in lifecycle order
                        int order = (int) (self + appenders * (mine / 4));
                        AppendResult r = append(store, order, (int) (mine % 4), Instant.now());
                        mine++;
                        if (i % sampleEvery == 0) {
                            long acked = System.nanoTime();
                            Thread w = Thread.ofVirtual().start(() -> {
                                try {
                                    if (engine.awaitPosition(
                                            OrdersProjection.NAME, r.position(), Duration.ofSeconds(30))) {
                                        samples.add(System.nanoTime() - acked);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            });
                            synchronized (waiters) {
                                waiters.add(w);
                            }
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            synchronized (waiters) {
                for (Thread w : waiters) {
                    w.join();
                }
            }
            long[] out = samples.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(out);
            return out;
        }
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
