package dev.hindsight.store.postgres.bench;

import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.internal.AppendCall;
import dev.hindsight.store.postgres.internal.NotifyClaims;
import dev.hindsight.store.postgres.internal.SingleAppend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Server CPU per event of the engine's append statements against the raw baselines' INSERTs, on one connection: the
 * CPU time (user + system, {@code /proc/<pid>/stat}) of that connection's backend divided by the events written.
 * Unlike throughput, this barely moves with other load on a shared machine, so it says where the server's work goes.
 * The statements are the engine's own ({@link SingleAppend}, {@link AppendCall}, no {@code EventStore} in front), the
 * rows those of {@link PostgresAppendBench}, 10,000 random aggregates. Needs PostgreSQL on this host (it reads the
 * backend's {@code /proc} entry); {@code synchronous_commit} is off in this session (default, {@code bench.sync=true}
 * turns it on) so that WAL flushes do not blur the CPU figures.
 *
 * <p>Not a test: {@code java -cp <test classpath> dev.hindsight.store.postgres.bench.PostgresServerCpuBench}.
 * System properties: {@code bench.rounds} (default 3; interleaved, the median is reported), {@code bench.sync}.
 */
public final class PostgresServerCpuBench {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final int AGGREGATES = 10_000;
    /** Events per case and round: enough backend CPU for the 10 ms clock ticks of {@code /proc} to be ~1 %. */
    private static final int EVENTS = 20_000;

    private static final String DATA = "{\"order_id\":\"o-123456\",\"amount\":12345,\"currency\":\"EUR\",\"items\":"
            + "[{\"sku\":\"A-123\",\"qty\":3}]}";
    private static final String METADATA = "{\"user_id\":\"u-1234\",\"correlation_id\":"
            + "\"8c3c5f0e-1c2d-4e5f-9a8b-7c6d5e4f3a2b\",\"timestamp\":\"2026-11-26T18:00:00.123456Z\"}";

    private PostgresServerCpuBench() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** One call of a case: writes some events. */
    @FunctionalInterface
    private interface Call {
        void run(SplittableRandom random) throws SQLException;
    }

    private record Case(String name, int eventsPerCall, Call call) {}

    public static void main(String[] args) throws Exception {
        String schema = "cpu_" + UUID.randomUUID().toString().substring(0, 8);
        PostgresOptions options =
                PostgresOptions.defaults(URL).withCredentials(USER, PASSWORD).withSchema(schema);
        try (PostgresEventLog log = PostgresEventLog.open(options);
                Connection c = log.dataSource().getConnection()) {
            if (!Boolean.getBoolean("bench.sync")) {
                execute(c, "SET synchronous_commit = off");
            }
            createSeedTable(c, schema);
            int pid;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            List<Case> cases = cases(c, schema);
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (Case k : cases) {
                    results.computeIfAbsent(k.name(), n -> new ArrayList<>()).add(measure(k, pid));
                }
            }
            String[] load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            System.out.printf(
                    Locale.ROOT,
                    "%s, load average %s %s %s, synchronous_commit %s, %d rounds (median)%n",
                    Instant.now(),
                    load[0],
                    load[1],
                    load[2],
                    Boolean.getBoolean("bench.sync") ? "on" : "off",
                    ROUNDS);
            System.out.println("| statement | server CPU µs per event | wall µs per event |");
            System.out.println("| --- | ---: | ---: |");
            results.forEach((name, r) ->
                    System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f |%n", name, median(r, 0), median(r, 1)));
        } finally {
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD)) {
                execute(c, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static List<Case> cases(Connection c, String schema) throws SQLException {
        SingleAppend single = new SingleAppend(schema, "hindsight_" + schema, NotifyClaims.NEVER);
        AppendCall call = new AppendCall(schema, "hindsight_" + schema, NotifyClaims.NEVER);
        List<Case> cases = new ArrayList<>();
        for (int rows : new int[] {1, 100}) {
            PreparedStatement insert = c.prepareStatement(rawInsert(schema, rows));
            cases.add(new Case("raw " + rows + "-row INSERT", rows, r -> {
                String aggregate = "order-" + r.nextInt(AGGREGATES);
                int p = 1;
                for (int i = 0; i < rows; i++) {
                    insert.setString(p++, aggregate);
                    insert.setString(p++, "OrderPlaced");
                    insert.setString(p++, DATA);
                    insert.setString(p++, METADATA);
                    insert.setLong(p++, i + 1);
                }
                insert.executeUpdate();
            }));
            cases.add(new Case("engine, one " + rows + "-event append (SingleAppend)", rows, r -> {
                String aggregate = "order-" + r.nextInt(AGGREGATES);
                single.execute(c, aggregate, ExpectedVersion.ANY, events(aggregate, rows));
            }));
        }
        for (int appends : new int[] {4, 16}) {
            cases.add(new Case(
                    "engine, group-commit batch of " + appends + " 1-event appends (AppendCall)",
                    appends,
                    r -> call.execute(c, batch(r, appends))));
        }
        return cases;
    }

    private static List<AppendCall.Request> batch(SplittableRandom r, int appends) {
        List<AppendCall.Request> requests = new ArrayList<>(appends);
        HashSet<String> used = new HashSet<>();
        while (requests.size() < appends) {
            String aggregate = "order-" + r.nextInt(AGGREGATES);
            if (used.add(aggregate)) {
                requests.add(new AppendCall.Request(aggregate, ExpectedVersion.ANY, events(aggregate, 1)));
            }
        }
        return requests;
    }

    private static List<ProposedEvent> events(String aggregate, int count) {
        Instant now = Instant.now();
        List<ProposedEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(new ProposedEvent(UUID.randomUUID(), aggregate, "OrderPlaced", 1, DATA, METADATA, now, true));
        }
        return events;
    }

    /** Backend CPU and wall time per event, in µs, after a warm-up of a fifth of the calls. */
    private static double[] measure(Case k, int pid) throws Exception {
        int calls = EVENTS / k.eventsPerCall();
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < calls / 5; i++) {
            k.call().run(r);
        }
        long cpu0 = backendTicks(pid);
        long wall0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            k.call().run(r);
        }
        long wall = System.nanoTime() - wall0;
        long ticks = backendTicks(pid) - cpu0;
        double events = (double) calls * k.eventsPerCall();
        return new double[] {ticks * 10_000.0 / events, wall / 1_000.0 / events};
    }

    /** User + system time of a process in clock ticks (100 per second on Linux). */
    private static long backendTicks(int pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double median(List<double[]> values, int index) {
        double[] v = values.stream().mapToDouble(a -> a[index]).sorted().toArray();
        return v[v.length / 2];
    }

    private static String rawInsert(String schema, int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO " + schema + ".seed_events (aggregate_id, event_type,"
                + " event_data, metadata, version) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, ?::jsonb, ?::jsonb, ?)");
        }
        return sql.toString();
    }

    /** The seed's table, as in {@link PostgresAppendBench}. */
    private static void createSeedTable(Connection c, String schema) throws SQLException {
        execute(
                c,
                "CREATE TABLE " + schema + ".seed_events (event_id BIGSERIAL, aggregate_id VARCHAR(255) NOT NULL,"
                        + " event_type VARCHAR(100) NOT NULL, event_data JSONB NOT NULL, metadata JSONB,"
                        + " version BIGINT NOT NULL, created_at TIMESTAMP DEFAULT NOW(),"
                        + " PRIMARY KEY (event_id, aggregate_id)) PARTITION BY HASH (aggregate_id)");
        execute(c, "CREATE INDEX ON " + schema + ".seed_events (aggregate_id, version)");
        for (int i = 0; i < 16; i++) {
            execute(
                    c,
                    "CREATE TABLE " + schema + ".seed_events_p" + i + " PARTITION OF " + schema
                            + ".seed_events FOR VALUES WITH (MODULUS 16, REMAINDER " + i + ")");
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
