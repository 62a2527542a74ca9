package dev.hindsight.store.postgres.bench;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventIds;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.Subscription;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.TimeOrderedUuids;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The PostgreSQL engine against raw baselines on the same database, in one run: single-row autocommit INSERTs,
 * 100-row INSERTs and COPY into the seed's events table (jsonb, hash-partitioned, no checks) against the engine with
 * 1-event and 100-event appends at 1, 8 and 32 appenders, with and without group commit; then subscriber catch-up
 * over 1,000,000 events. Prints a Markdown report.
 *
 * <p>The machine is shared and noisy, so each comparison runs in interleaved rounds (baseline, engine, engine with
 * group commit, again, ...) and reports the median of {@code bench.rounds} (default 3) measurements, with the range.
 *
 * <p>Not a test: run it with {@code ./mvnw -pl store-postgres exec:java} or {@code java -cp <test classpath>}.
 * System properties: {@code bench.seconds} per measurement (default 3), {@code bench.warmup} untimed seconds per
 * scenario before the rounds (default 5), {@code bench.catchup} events (default
 * 1,000,000), {@code bench.only} (a regular expression found in the names of the scenarios to run),
 * {@code bench.clients} (only that client count), {@code bench.writers} (comma-separated group-commit writer counts,
 * one scenario each; default: the engine's default), {@code bench.ids} ({@code ordered}, the engine's default
 * time-ordered ids, {@link TimeOrderedUuids}, or {@code random}: version 4 ids), {@code bench.threads}
 * ({@code platform} or {@code virtual} client threads). The load average
 * ({@code /proc/loadavg}) is printed with every comparison. The database comes from {@code HINDSIGHT_PG_URL} /
 * {@code _USER} / {@code _PASSWORD} as in the tests.
 */
public final class PostgresAppendBench {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");
    private static final long SECONDS = Long.getLong("bench.seconds", 3);
    /**
     * Untimed seconds each scenario of a comparison runs once before the measured rounds: the JIT compiles the
     * engine's paths (several seconds of compiler threads competing with the measured ones on 2 cores) and the
     * database warms its caches, so that rounds measure steady state for baselines and engine alike.
     */
    private static final long WARMUP_SECONDS = Long.getLong("bench.warmup", 5);

    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final int CATCH_UP = Integer.getInteger("bench.catchup", 1_000_000);
    private static final String ONLY = System.getProperty("bench.only", "");
    private static final int CLIENTS = Integer.getInteger("bench.clients", 0);
    /**
     * {@code bench.threads=virtual}: every scenario's clients (baselines too) are virtual threads, as the HTTP server's
     * request handlers are; default platform threads.
     */
    private static final boolean VIRTUAL_THREADS = "virtual".equals(System.getProperty("bench.threads", "platform"));

    /**
     * {@code bench.ids=random}: the engine's stores assign random (version 4) ids instead of the engine's preferred
     * time-ordered ones ({@link TimeOrderedUuids}, {@code EventLog.preferredIds}).
     */
    private static final boolean RANDOM_IDS = "random".equals(System.getProperty("bench.ids", "ordered"));

    private static final String WRITERS = System.getProperty(
            "bench.writers", String.valueOf(PostgresOptions.defaults(URL).groupCommitWriters()));
    private static final int AGGREGATES = 10_000;
    private static final String SCHEMA = "bench_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String RAW = SCHEMA + "_raw";

    private final List<String> rows = new ArrayList<>();

    private PostgresAppendBench() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    public static void main(String[] args) throws Exception {
        new PostgresAppendBench().run();
    }

    /** One client of a scenario: each call writes some events (rows) and says how many. */
    private interface Client {
        int run(SplittableRandom random) throws Exception;

        default void close() throws Exception {}
    }

    /** Opens the clients of one measurement. */
    @FunctionalInterface
    private interface ClientFactory {
        Client open(int client) throws Exception;
    }

    /** One contender of a comparison: opens what a measurement needs and closes it afterwards. */
    private interface Scenario {
        String name();

        ClientFactory start(int clients) throws Exception;

        /** Releases what {@link #start} opened; may return a note for the report. */
        default String stop() throws Exception {
            return "";
        }
    }

    private void run() throws Exception {
        System.out.println("start " + Instant.now() + ", load average " + loadAverage() + ", event ids "
                + (RANDOM_IDS ? "random (v4)" : "time-ordered (v7, the engine's default)") + ", "
                + (VIRTUAL_THREADS ? "virtual" : "platform") + " client threads");
        execute("CREATE SCHEMA " + RAW);
        try {
            execute("CREATE TABLE " + RAW + ".seed_events (event_id BIGSERIAL, aggregate_id VARCHAR(255) NOT NULL,"
                    + " event_type VARCHAR(100) NOT NULL, event_data JSONB NOT NULL, metadata JSONB,"
                    + " version BIGINT NOT NULL, created_at TIMESTAMP DEFAULT NOW(),"
                    + " PRIMARY KEY (event_id, aggregate_id)) PARTITION BY HASH (aggregate_id)");
            execute("CREATE INDEX ON " + RAW + ".seed_events (aggregate_id, version)");
            for (int i = 0; i < 16; i++) {
                execute("CREATE TABLE " + RAW + ".seed_events_p" + i + " PARTITION OF " + RAW
                        + ".seed_events FOR VALUES WITH (MODULUS 16, REMAINDER " + i + ")");
            }
            for (int events : new int[] {1, 100}) {
                for (int c : new int[] {1, 8, 32}) {
                    compare(events, c);
                }
            }
            if (matches("catch-up")) {
                catchUp();
            }
        } finally {
            execute("DROP SCHEMA " + RAW + " CASCADE");
            execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
        System.out.println();
        System.out.println("| scenario | clients | events per call | events/s (median) | range | engine / baseline |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        rows.forEach(System.out::println);
    }

    private static boolean matches(String name) {
        return ONLY.isEmpty()
                || java.util.regex.Pattern.compile(ONLY).matcher(name).find();
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, PASSWORD);
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static EventStore eventStore(PostgresEventLog log) {
        return RANDOM_IDS
                ? EventStore.builder(log).idSupplier(EventIds.random()).build()
                : EventStore.of(log);
    }

    private static String data(SplittableRandom r) {
        return "{\"order_id\":\"o-" + r.nextInt(1_000_000) + "\",\"amount\":" + r.nextInt(100_000)
                + ",\"currency\":\"EUR\",\"items\":[{\"sku\":\"A-" + r.nextInt(1000) + "\",\"qty\":" + r.nextInt(1, 5)
                + "}]}";
    }

    /** Metadata as the store keeps it; the engine scenarios leave out the timestamp, which the store assigns. */
    private static String metadata(SplittableRandom r) {
        return engineMetadata(r).replace("}", ",\"timestamp\":\"" + Instant.now() + "\"}");
    }

    private static String engineMetadata(SplittableRandom r) {
        return "{\"user_id\":\"u-" + r.nextInt(10_000) + "\",\"correlation_id\":\""
                + new UUID(r.nextLong(), r.nextLong()) + "\"}";
    }

    private static ClientFactory rawInsert(int rowsPerStatement) {
        StringBuilder sql = new StringBuilder("INSERT INTO " + RAW + ".seed_events (aggregate_id, event_type,"
                + " event_data, metadata, version) VALUES ");
        for (int i = 0; i < rowsPerStatement; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, ?::jsonb, ?::jsonb, ?)");
        }
        return client -> {
            Connection c = connect();
            PreparedStatement ps = c.prepareStatement(sql.toString());
            return new Client() {
                @Override
                public int run(SplittableRandom r) throws SQLException {
                    String aggregate = "order-" + r.nextInt(AGGREGATES);
                    int p = 1;
                    for (int i = 0; i < rowsPerStatement; i++) {
                        ps.setString(p++, aggregate);
                        ps.setString(p++, "OrderPlaced");
                        ps.setString(p++, data(r));
                        ps.setString(p++, metadata(r));
                        ps.setLong(p++, i + 1);
                    }
                    ps.executeUpdate();
                    return rowsPerStatement;
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        };
    }

    private static ClientFactory rawCopy(int rowsPerCopy) {
        String sql = "COPY " + RAW + ".seed_events (aggregate_id, event_type, event_data, metadata, version)"
                + " FROM STDIN (FORMAT csv)";
        return client -> {
            Connection c = connect();
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            return new Client() {
                @Override
                public int run(SplittableRandom r) throws Exception {
                    StringBuilder csv = new StringBuilder();
                    String aggregate = "order-" + r.nextInt(AGGREGATES);
                    for (int i = 0; i < rowsPerCopy; i++) {
                        csv.append(aggregate)
                                .append(",OrderPlaced,\"")
                                .append(data(r).replace("\"", "\"\""))
                                .append("\",\"")
                                .append(metadata(r).replace("\"", "\"\""))
                                .append("\",")
                                .append(i + 1)
                                .append('\n');
                    }
                    copy.copyIn(sql, new StringReader(csv.toString()));
                    return rowsPerCopy;
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        };
    }

    /** A raw baseline: no engine, nothing to open besides the clients' own connections. */
    private static Scenario raw(String name, ClientFactory factory) {
        return new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ClientFactory start(int clients) {
                return factory;
            }
        };
    }

    /** The engine, with or without group commit: appends of {@code events} store-timestamped events. */
    private static Scenario engine(boolean group, int writers, int events) {
        return new Scenario() {
            private PostgresEventLog log;

            @Override
            public String name() {
                return "engine, " + events + "-event appends"
                        + (group ? ", group commit (" + writers + " writers)" : "");
            }

            @Override
            public ClientFactory start(int clients) {
                PostgresOptions options = PostgresOptions.defaults(URL)
                        .withCredentials(USER, PASSWORD)
                        .withSchema(SCHEMA)
                        // Group commit needs a connection per writer and a few for appends that run alone; the
                        // smaller pool also keeps every scenario of a comparison within max_connections (100).
                        .withPoolSize(group ? Math.max(4, writers + clients / 4) : Math.max(4, clients + 2))
                        .withGroupCommit(group, writers);
                log = PostgresEventLog.open(options);
                EventStore store = eventStore(log);
                return client -> r -> {
                    List<EventData> batch = new ArrayList<>(events);
                    for (int i = 0; i < events; i++) {
                        batch.add(new EventData(null, "OrderPlaced", 1, data(r), engineMetadata(r)));
                    }
                    store.append("order-" + r.nextInt(AGGREGATES), ExpectedVersion.ANY, batch);
                    return events;
                };
            }

            @Override
            public String stop() {
                PostgresEventLog.GroupCommitStats stats = log.groupCommitStats();
                log.close();
                return stats.batches() == 0
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "%.1f appends per transaction",
                                stats.appends() / (double) stats.batches());
            }
        };
    }

    /** Baselines, the engine and the engine with group commit, in interleaved rounds; prints medians and ratios. */
    private void compare(int events, int clients) throws Exception {
        List<Scenario> scenarios = new ArrayList<>();
        if (events == 1) {
            scenarios.add(raw("raw single-row autocommit INSERT", rawInsert(1)));
        } else {
            scenarios.add(raw("raw " + events + "-row INSERT", rawInsert(events)));
            scenarios.add(raw("raw COPY of " + events + " rows", rawCopy(events)));
        }
        scenarios.add(engine(false, 1, events));
        for (String w : WRITERS.split(",")) {
            scenarios.add(engine(true, Integer.parseInt(w.trim()), events));
        }
        scenarios.removeIf(sc -> !matches(sc.name()));
        if (scenarios.isEmpty() || (CLIENTS > 0 && clients != CLIENTS)) {
            return;
        }
        List<List<Double>> rates = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < scenarios.size(); i++) {
            rates.add(new ArrayList<>());
            notes.add("");
        }
        // Each scenario is opened once per comparison (an engine keeps its pool, its backends and their plan caches
        // across the rounds, as a running application does), warmed up untimed, then measured in interleaved rounds.
        List<ClientFactory> factories = new ArrayList<>();
        try {
            for (Scenario sc : scenarios) {
                factories.add(sc.start(clients));
            }
            if (WARMUP_SECONDS > 0) {
                for (int i = 0; i < scenarios.size(); i++) {
                    measure(scenarios.get(i).name() + " (warm-up)", clients, factories.get(i), WARMUP_SECONDS);
                }
            }
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < scenarios.size(); i++) {
                    rates.get(i).add(measure(scenarios.get(i).name(), clients, factories.get(i), SECONDS));
                }
            }
        } finally {
            for (int i = 0; i < factories.size(); i++) {
                notes.set(i, scenarios.get(i).stop());
            }
        }
        System.out.println("load average after " + clients + " clients x " + events + " events: " + loadAverage());
        double baseline = median(rates.getFirst());
        for (int i = 0; i < scenarios.size(); i++) {
            List<Double> r = rates.get(i);
            double m = median(r);
            String ratio = i == 0 ? "baseline" : String.format(Locale.ROOT, "%.2f", m / baseline);
            String note = notes.get(i).isEmpty() ? "" : " (" + notes.get(i) + ")";
            String row = String.format(
                    Locale.ROOT,
                    "| %s%s | %d | %d | %,.0f | %,.0f–%,.0f | %s |",
                    scenarios.get(i).name(),
                    note,
                    clients,
                    events,
                    m,
                    r.stream().mapToDouble(d -> d).min().orElse(0),
                    r.stream().mapToDouble(d -> d).max().orElse(0),
                    ratio);
            System.out.println(row);
            rows.add(row);
        }
    }

    /** The 1, 5 and 15 minute load averages, where the system reports them. */
    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim()
                    .split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Runs {@code clients} clients for {@code seconds} after a short warm-up; returns events (rows) per second. */
    private static double measure(String name, int clients, ClientFactory factory, long seconds) throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            threads.add((VIRTUAL_THREADS ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                Client client = null;
                try {
                    client = factory.open(id);
                    SplittableRandom random = new SplittableRandom(id * 7919L + System.nanoTime());
                    for (int w = 0; w < 10; w++) {
                        client.run(random);
                    }
                    ready.countDown();
                    go.await();
                    long local = 0;
                    while (System.nanoTime() < window[1]) {
                        local += client.run(random);
                    }
                    written.addAndGet(local);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    ready.countDown();
                } finally {
                    try {
                        if (client != null) {
                            client.close();
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }));
        }
        ready.await();
        window[0] = System.nanoTime();
        window[1] = window[0] + seconds * 1_000_000_000L;
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(name + " failed", failure.get());
        }
        return written.get() / ((System.nanoTime() - window[0]) / 1e9);
    }

    private void catchUp() throws Exception {
        PostgresOptions options = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(SCHEMA)
                .withPoolSize(10)
                .withGroupCommit(true, 2);
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            EventStore store = eventStore(log);
            long already = countEvents();
            long missing = CATCH_UP - already;
            if (missing > 0) {
                int per = 100;
                List<Thread> fillers = new ArrayList<>();
                AtomicLong left = new AtomicLong(missing);
                for (int i = 0; i < 8; i++) {
                    SplittableRandom r = new SplittableRandom(i);
                    fillers.add(Thread.ofPlatform().start(() -> {
                        while (left.addAndGet(-per) > -per) {
                            List<EventData> batch = new ArrayList<>(per);
                            for (int k = 0; k < per; k++) {
                                batch.add(new EventData(null, "OrderPlaced", 1, data(r), engineMetadata(r)));
                            }
                            store.append("order-" + r.nextInt(AGGREGATES), ExpectedVersion.ANY, batch);
                        }
                    }));
                }
                for (Thread t : fillers) {
                    t.join();
                }
            }
            execute("VACUUM ANALYZE " + SCHEMA + ".events");
            long total = countEvents();
            Position head = store.head();
            AtomicLong received = new AtomicLong();
            long start = System.nanoTime();
            try (Subscription sub = store.subscribe(Position.START, EventFilter.ALL, e -> received.incrementAndGet())) {
                while (!sub.position().covers(head)) {
                    Thread.sleep(1);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String row = String.format(
                    Locale.ROOT,
                    "| subscriber catch-up from 0 over %,d events (%.1f s) | 1 | 512 |" + " %,.0f | | |",
                    total,
                    seconds,
                    received.get() / seconds);
            System.out.println(row);
            rows.add(row);
            for (int page : new int[] {512, 10_000}) {
                long read = 0;
                long t0 = System.nanoTime();
                Position cursor = Position.START;
                while (true) {
                    var slice = store.readAll(cursor, page, EventFilter.ALL);
                    if (slice.events().isEmpty()) {
                        break;
                    }
                    read += slice.events().size();
                    cursor = slice.next();
                }
                double s2 = (System.nanoTime() - t0) / 1e9;
                String r2 = String.format(
                        Locale.ROOT,
                        "| readAll from 0 over %,d events, pages of %,d (%.1f s) | 1 |" + " %d | %,.0f | | |",
                        read,
                        page,
                        s2,
                        page,
                        read / s2);
                System.out.println(r2);
                rows.add(r2);
            }
        }
    }

    private static long countEvents() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".events")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
