package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.postgres.PostgresOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store postgres} serves the same HTTP API on PostgreSQL: an append and a read over HTTP with the CLI,
 * and the order system with its snapshots and read model in the same database (no local disk), in schemas of their
 * own that are dropped afterwards. The database comes from {@code HINDSIGHT_PG_URL} /
 * {@code _USER} / {@code _PASSWORD} (default: the local test database {@code ./test.sh} sets up).
 */
class PostgresServeTest {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;

    private final String schema = "t_cli_" + UUID.randomUUID().toString().substring(0, 8);
    private HindsightServer server;

    @TempDir
    Path dataDir;

    @AfterEach
    void stopAndDropSchema() throws SQLException {
        if (server != null) {
            server.stop();
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    @Test
    void readModelSessions_commitWithoutWaitingForTheirWalFlush_storeSessionsWait() throws SQLException {
        PostgresOptions options =
                PostgresOptions.defaults(URL).withCredentials(USER, PASSWORD).withSchema(schema);
        try (var readModel = OrdersWiring.readModelSource(options, schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX);
                Connection c = readModel.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            // batches commit with their checkpoint: a lost tail is projected again (ADR 0005)
            assertThat(rs.getString(1)).isEqualTo("off");
        }
        try (var store = options.openPool();
                Connection c = store.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            assertThat(rs.getString(1)).as("acknowledged appends are durable").isEqualTo("on");
        }
    }

    @Test
    void serveOnPostgres_orders_snapshotsAndReadModelInPostgresNotOnDisk() throws Exception {
        Path unused = dataDir.resolve("unused");
        serveIn(unused);
        String url = "http://127.0.0.1:" + server.port();

        JsonNode created = json(CliRun.of(
                "orders", "create", "--user", "pia", "--currency", "EUR", "--item", "lamp:1:30.00", "--url", url));
        String id = created.get("order_id").asText();
        // Paying is a major state change: the order system snapshots the order.
        json(CliRun.of("orders", "pay", id, "--payment-id", "pay_9", "--amount", "30.00", "--url", url));
        JsonNode history = json(CliRun.of("orders", "history", id, "--url", url));
        String last = history.get("events").get(1).get("position").asText();
        CliRun list = CliRun.of("orders", "list", "--user", "pia", "--min-position", last, "--all", "--url", url);

        assertThat(list.exitCode()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(Json.mapper().readTree(lines.getFirst()).get("order_id").asText())
                .isEqualTo(id);
        assertThat(Json.mapper().readTree(lines.getFirst()).get("status").asText())
                .isEqualTo("paid");
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD)) {
            String readModel = schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX;
            assertThat(queryStrings(
                            c,
                            "SELECT status FROM " + readModel + "." + ordersTable(c, readModel) + " WHERE order_id = ?",
                            id))
                    .containsExactly("paid");
            // Snapshots are written in the background after the append: wait for it, up to 10 s.
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<String> snapshots = List.of();
            while (snapshots.isEmpty() && System.nanoTime() < deadline) {
                snapshots = snapshotStates(c, schema, id);
                if (snapshots.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            assertThat(snapshots).isNotEmpty();
            assertThat(snapshots.getFirst()).contains("paid");
        }
        assertThat(unused).doesNotExist();
    }

    /** The read model's {@code orders} table (its name carries the projection's generation). */
    private static String ordersTable(Connection c, String readModel) throws SQLException {
        List<String> tables = queryStrings(
                c,
                "SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = ? AND table_name LIKE 'orders%' ORDER BY table_name",
                readModel);
        assertThat(tables).hasSize(1);
        return tables.getFirst();
    }

    /** The snapshot states of the order, as JSON: compressed ({@code state_zstd}, schema 5) or plain rows. */
    private static List<String> snapshotStates(Connection c, String schema, String orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT state::text, state_zstd FROM " + schema + ".snapshots WHERE position(? IN aggregate_id) > 0")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    byte[] zstd = rs.getBytes(2);
                    out.add(
                            zstd == null
                                    ? rs.getString(1)
                                    : new String(
                                            com.github.luben.zstd.Zstd.decompress(zstd),
                                            java.nio.charset.StandardCharsets.UTF_8));
                }
                return out;
            }
        }
    }

    private static List<String> queryStrings(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    @Test
    void serveOnPostgres_appendThenReadOverHttp() throws IOException {
        serve();
        String url = "http://127.0.0.1:" + server.port();

        CliRun placed = CliRun.of(
                "append",
                "order-1",
                "--type",
                "OrderPlaced",
                "--data",
                "{\"total\": 4200}",
                "--metadata",
                "{\"user_id\":\"u-7\",\"timestamp\":\"2024-05-01T10:00:00Z\"}",
                "--expected-version",
                "no_stream",
                "--url",
                url);
        CliRun paid =
                CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1", "--url", url);
        CliRun read = CliRun.of("read", "order-1", "--url", url);

        assertThat(placed.exitCode()).as(placed.err()).isZero();
        assertThat(paid.exitCode()).as(paid.err()).isZero();
        assertThat(read.exitCode()).as(read.err()).isZero();
        List<String> lines = read.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        assertThat(first.get("event_type").asText()).isEqualTo("OrderPlaced");
        assertThat(first.get("event_data").get("total").asLong()).isEqualTo(4200);
        assertThat(first.get("metadata").get("user_id").asText()).isEqualTo("u-7");
        // The server gives events time-ordered ids on PostgreSQL (TimeOrderedUuids).
        assertThat(UUID.fromString(first.get("event_id").asText()).version()).isEqualTo(7);
        assertThat(Json.mapper().readTree(lines.get(1)).get("version").asLong()).isEqualTo(2);
        CliRun conflict =
                CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1", "--url", url);
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.err() + conflict.out()).contains("wrong_expected_version");
    }

    @Test
    void serveOnPostgres_groupCommitOnByDefault_overlappingAppendsShareTransactions() throws Exception {
        String url = serve();
        assertThat(metric(url, "hindsight_pg_group_commit_enabled")).isEqualTo(1.0);

        // Rounds of 16 concurrent appends to distinct aggregates, until some overlapped (the first round all but
        // certainly does; a lone append runs alone by design).
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (int round = 0; round < 20 && metric(url, "hindsight_pg_group_commit_appends_total") == 0; round++) {
                List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    sent.add(http.sendAsync(
                            HttpRequest.newBuilder(
                                            URI.create(url + "/api/aggregates/gc-" + round + "-" + i + "/events"))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"event_type\":\"Happened\",\"event_data\":{}}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (var f : sent) {
                    assertThat(f.get().statusCode()).as(f.get().body()).isEqualTo(201);
                }
            }
        }
        double batches = metric(url, "hindsight_pg_group_commit_batches_total");
        double appends = metric(url, "hindsight_pg_group_commit_appends_total");
        assertThat(appends).isPositive();
        assertThat(batches).isPositive().isLessThanOrEqualTo(appends);
    }

    @Test
    void serve_groupCommitFlag_parsesBothForms() {
        assertThat(parseServe().pgGroupCommit).isTrue();
        assertThat(parseServe("--pg-group-commit").pgGroupCommit).isTrue();
        assertThat(parseServe("--no-pg-group-commit").pgGroupCommit).isFalse();
    }

    @Test
    void serveOnPostgres_defaultLinger_loneAppendsGoThroughTheCommitter() throws Exception {
        assertThat(parseServe().pgGroupCommitLingerMicros).isEqualTo(3000);
        String url = serve();
        for (int i = 0; i < 4; i++) {
            assertThat(CliRun.of("append", "lone-" + i, "-t", "Happened", "-d", "{}", "--url", url)
                            .exitCode())
                    .isZero();
        }

        // One at a time, so none overlapped: each waited its linger in a writer and committed there.
        assertThat(metric(url, "hindsight_pg_group_commit_appends_total")).isEqualTo(4.0);
    }

    @Test
    void serve_lingerOutOfRange_failsWithAClearMessageBeforeConnecting() {
        CliRun run = CliRun.of(
                "serve", "--store", "postgres", "--pg-url", URL, "--pg-group-commit-linger-us", "50001", "--port", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--pg-group-commit-linger-us must be between 0 and 50000, was 50001");
    }

    @Test
    void serveOnPostgres_pgSocket_everyConnectionGoesThroughTheUnixSocket() throws Exception {
        String socket = System.getenv().getOrDefault("HINDSIGHT_PG_SOCKET", "/var/run/postgresql");
        String app = "hindsight-" + schema; // every connection of this server, store and read model, by name
        String pgUrl = URL + (URL.contains("?") ? "&" : "?") + "ApplicationName=" + app;
        server = ServeRun.start(
                "serve",
                "--port",
                "0",
                "--store",
                "postgres",
                "--data-dir",
                dataDir.toString(),
                "--pg-url",
                pgUrl,
                "--pg-user",
                USER,
                "--pg-password",
                PASSWORD,
                "--pg-schema",
                schema,
                "--pg-socket",
                socket);
        String url = "http://127.0.0.1:" + server.port();

        String id = createAndPay(url, "uma");
        CliRun list = CliRun.of(
                "orders", "list", "--user", "uma", "--min-position", lastPosition(url, id), "--all", "--url", url);
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains(id);
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*), count(client_addr) FROM pg_stat_activity" + " WHERE application_name = ?")) {
            ps.setString(1, app);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("the server's connections").isPositive();
                assertThat(rs.getInt(2)).as("of them over TCP").isZero();
            }
        }
    }

    @Test
    void serve_pgSocketMissing_failsWithAClearMessage() {
        CliRun run = CliRun.of(
                "serve",
                "--store",
                "postgres",
                "--pg-url",
                URL,
                "--pg-socket",
                dataDir.resolve("none").toString(),
                "--port",
                "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--pg-socket: no such directory or socket file: " + dataDir.resolve("none"));
    }

    private static ServeCommand parseServe(String... args) {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        return Hindsight.commandLine()
                .parseArgs(all.toArray(String[]::new))
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
    }

    @Test
    void serveOnPostgres_noGroupCommit_runsEveryAppendAlone() throws Exception {
        String url = serve("--no-pg-group-commit");
        for (int i = 0; i < 4; i++) {
            assertThat(CliRun.of("append", "solo-" + i, "-t", "Happened", "-d", "{}", "--url", url)
                            .exitCode())
                    .isZero();
        }

        assertThat(metric(url, "hindsight_pg_group_commit_enabled")).isEqualTo(0.0);
        assertThat(metric(url, "hindsight_pg_group_commit_batches_total")).isZero();
    }

    /** A sample's value from the server's Prometheus text ({@code name value} lines without labels). */
    private static double metric(String url, String name) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String text = http.send(
                            HttpRequest.newBuilder(URI.create(url + "/metrics"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return text.lines()
                    .filter(l -> l.startsWith(name + " "))
                    .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " not in /metrics:\n" + text));
        }
    }

    /**
     * With {@code --inline-projections} the order's read-model row (in schema {@code <schema>_readmodel}, through the
     * append's connection to the store's schema) commits with each append. To prove the row comes from the append and
     * not from the background runner, the test holds the projection's checkpoint row locked, so that no runner batch
     * can commit; the control test below shows the same lock keeps a non-inline read model behind.
     */
    @Test
    void serveOnPostgres_inlineProjections_readModelCurrentWhenTheCommandReturns() throws Exception {
        String url = serve("--inline-projections");
        String readModel = schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX;

        try (Connection lock = lockCheckpoint(readModel)) {
            String id = createAndPay(url, "ina");
            JsonNode orders = HttpGet.json(url + "/api/orders?user_id=ina").get("orders");

            assertThat(orders).hasSize(1);
            assertThat(orders.get(0).get("order_id").asText()).isEqualTo(id);
            assertThat(orders.get(0).get("status").asText()).isEqualTo("paid");
            // The runner is held back: the projection's checkpoint has not moved past the append.
            assertThat(queryStrings(
                            lock,
                            "SELECT position FROM " + readModel + ".hindsight_checkpoint" + " WHERE name = ?",
                            "orders"))
                    .doesNotContain(lastPosition(url, id));
            lock.rollback();
        }
        JsonNode projections = HttpGet.json(url + "/api/projections").get("projections");
        assertThat(projections).hasSize(1);
        assertThat(projections.get(0).get("name").asText()).isEqualTo("orders");
        assertThat(projections.get(0).get("state").asText()).isEqualTo("running");
        assertThat(projections.get(0).get("mode").asText()).isEqualTo("inline");
        // The runner, released, skips what the appends applied: still one row, paid.
        String id = HttpGet.json(url + "/api/orders?user_id=ina")
                .get("orders")
                .get(0)
                .get("order_id")
                .asText();
        CliRun list = CliRun.of(
                "orders", "list", "--user", "ina", "--min-position", lastPosition(url, id), "--all", "--url", url);
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out().lines().toList()).hasSize(1);
        assertThat(Json.mapper()
                        .readTree(list.out().lines().toList().getFirst())
                        .get("status")
                        .asText())
                .isEqualTo("paid");
    }

    /** The control for the test above: without the option, the same lock keeps the read model behind. */
    @Test
    void serveOnPostgres_withoutInline_checkpointLockHoldsTheReadModelBack() throws Exception {
        String url = serve();
        String readModel = schema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX;

        try (Connection lock = lockCheckpoint(readModel)) {
            createAndPay(url, "nil");
            Thread.sleep(300); // time enough for the runner, were it not held back
            assertThat(HttpGet.json(url + "/api/orders?user_id=nil").get("orders"))
                    .isEmpty();
            lock.rollback();
        }
    }

    @Test
    void serve_inlineProjectionsOnFileStore_failsWithAClearMessage() {
        CliRun run = CliRun.of(
                "serve", "--store", "file", "--data-dir", dataDir.toString(), "--port", "0", "--inline-projections");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("--inline-projections needs --store postgres");
        assertThat(dataDir.resolve("snapshots")).doesNotExist();
    }

    @Test
    void serve_help_describesInlineProjections() {
        CliRun run = CliRun.of("serve", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--inline-projections");
    }

    @Test
    void serveOnPostgres_loadgenOverUrl_reportsTheServersCountAndBytes(@TempDir Path reports) throws Exception {
        String url = serve();
        Path out = reports.resolve("report.json");

        CliRun run = CliRun.of(
                "loadgen",
                "--url",
                url,
                "--duration",
                "2s",
                "--warmup",
                "0s",
                "--rate",
                "100",
                "--read-rate",
                "10",
                "--quiet",
                "--out",
                out.toString());

        // The report is what this test checks; a 2-s run may end with a PROBLEM line (exit 1) from a probe cut off
        // by the end of the run, so the exit code is not asserted.
        assertThat(out).as(run.out() + run.err()).exists();
        JsonNode storage = HttpGet.json(url + "/api/storage");
        long events = storage.get("events").asLong();
        assertThat(storage.get("engine").asText()).isEqualTo("postgres");
        assertThat(events).isBetween(100L, 1_000L);
        HttpGet.assertStorageMeasured(storage);
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD)) {
            assertThat(queryStrings(c, "SELECT count(*)::text FROM " + schema + ".events WHERE aggregate_id <> ?", ""))
                    .containsExactly(String.valueOf(events));
        }
        JsonNode store = Json.mapper().readTree(out.toFile()).get("store");
        assertThat(store.get("events").asLong()).isEqualTo(events);
        assertThat(store.get("bytes_on_disk").get("log").asLong()).isPositive();
        assertThat(run.out()).contains(String.format("store: %,d events, ", events));
    }

    /** Starts {@code serve --store postgres} on this test's schema; returns its URL. */
    private String serve(String... extra) {
        return serveIn(dataDir, extra);
    }

    private String serveIn(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString()));
        args.addAll(List.of(extra));
        server = PgTestDb.serve(schema, args.toArray(String[]::new));
        return "http://127.0.0.1:" + server.port();
    }

    /** A transaction holding the {@code orders} projection's checkpoint row, which every runner batch updates. */
    private static Connection lockCheckpoint(String readModel) throws SQLException {
        Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
        c.setAutoCommit(false);
        assertThat(queryStrings(
                        c,
                        "SELECT position FROM " + readModel + ".hindsight_checkpoint WHERE name = ?" + " FOR UPDATE",
                        "orders"))
                .hasSize(1);
        return c;
    }

    private static String createAndPay(String url, String user) throws IOException {
        String id = CliRun.createOrder(url, user, "lamp:1:30.00");
        json(CliRun.of("orders", "pay", id, "--payment-id", "pay_" + user, "--amount", "30.00", "--url", url));
        return id;
    }

    /**
     * Read your writes while another append is in flight: a write's position lies beyond the visible head until every
     * older appender has committed (ADR 0004), so {@code min_position} of the write waits for that instead of
     * refusing it (it answered 400 "not a position of this store at or before its head").
     */
    @Test
    void serveOnPostgres_minPositionOfAWrite_whileAnOlderAppendIsInFlight_waitsForIt() throws Exception {
        String url = serve();
        try (Connection older = PgTestDb.connect()) {
            // an appender's transaction that has its id and has not committed: the visible bound stays below it
            older.setAutoCommit(false);
            try (Statement st = older.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock_shared(hashtext('" + schema + "') & 2147483647, 1752066404)");
                st.execute("SELECT txid_current()");
            }
            JsonNode created = json(CliRun.of(
                    "orders", "create", "--user", "rya", "--currency", "EUR", "--item", "lamp:1:30.00", "--url", url));
            String id = created.get("order_id").asText();
            String position = lastPosition(url, id);
            Thread commit = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(500);
                    older.commit();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            CliRun list = CliRun.of("orders", "list", "--user", "rya", "--min-position", position, "--url", url);
            commit.join();

            assertThat(list.exitCode()).as(list.err()).isZero();
            assertThat(list.out()).contains(id);
        }
    }

    /**
     * The same for a read of the global log after a write's own position (a cursor past the head is refused once the
     * head does not reach it, as one of another store would be): it waits for the older append instead.
     */
    @Test
    void serveOnPostgres_readAllAfterAWrite_whileAnOlderAppendIsInFlight_waitsForIt() throws Exception {
        String url = serve();
        try (Connection older = PgTestDb.connect();
                HttpClient http = HttpClient.newHttpClient()) {
            older.setAutoCommit(false);
            try (Statement st = older.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock_shared(hashtext('" + schema + "') & 2147483647, 1752066404)");
                st.execute("SELECT txid_current()");
            }
            HttpResponse<String> appended = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/api/aggregates/mine/events"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"event_type\":\"Mine\",\"event_data\":{}}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
            String position =
                    Json.mapper().readTree(appended.body()).get("position").asText();
            Thread commit = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(300);
                    older.commit();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            HttpResponse<String> after = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/api/events?after=" + position))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            commit.join();

            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        }
    }

    private static String lastPosition(String url, String id) throws IOException {
        JsonNode events = json(CliRun.of("orders", "history", id, "--url", url)).get("events");
        return events.get(events.size() - 1).get("position").asText();
    }

    @Test
    void serveOnPostgres_withoutUrl_failsWithAClearMessage() {
        CliRun run = CliRun.of("serve", "--store", "postgres", "--pg-url", "", "--port", "0");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("--pg-url");
    }
}
