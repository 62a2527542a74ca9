package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.OrderSnapshotService;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.KafkaTestCluster;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's services over the Kafka engine as separate processes (an in-process 1-broker KRaft cluster, PostgreSQL
 * for snapshots and the read model): {@code api} appends, {@code read-model} projects, {@code snapshots} writes
 * snapshots, each its own JVM; read-your-writes through {@code min_position} on a vector position across processes;
 * read-model rows and snapshots equal a replay of the topic. And the split: two {@code read-model} processes are both
 * active on disjoint partitions; when one is killed the other takes its partitions over from their committed
 * checkpoints.
 */
class KafkaRolesIT {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;

    private static KafkaTestCluster cluster;

    private final String schema = "t_kroles_" + UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "roles-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Process> children = Collections.synchronizedList(new ArrayList<>());
    private int started;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.shared();
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    /** {@code serve --store kafka --role ROLE} with PostgreSQL, in a child JVM with a data directory of its own. */
    private RoleProcess serve(String role) throws IOException {
        return serve(role, started++);
    }

    private RoleProcess serve(String role, int n) throws IOException {
        List<String> args = new ArrayList<>(List.of("--port", "0"));
        args.addAll(CliRun.kafkaStore(cluster.bootstrapServers(), topic, dir.resolve(role + "-" + n)));
        args.addAll(List.of(
                "--pg-url", URL, "--pg-user", USER, "--pg-password", PASSWORD, "--pg-schema", schema, "--role", role));
        return RoleProcess.start(children, dir.resolve(role + "-" + n + ".err"), args);
    }

    /** An order created, and for {@code full} paid, shipped and delivered; returns its id and last position. */
    private static String[] order(String api, int i, boolean full) throws IOException {
        String id = CliRun.createOrder(api, "u" + (i % 3), "lamp:" + (1 + i % 4) + ":30.00");
        if (full) {
            String amount = (30 * (1 + i % 4)) + ".00";
            json(CliRun.of("orders", "pay", id, "--payment-id", "pay_" + i, "--amount", amount, "--url", api));
            json(CliRun.of("orders", "ship", id, "--carrier", "UPS", "--tracking", "1Z" + i, "--url", api));
            json(CliRun.of("orders", "deliver", id, "--url", api));
        }
        JsonNode events = json(CliRun.of("orders", "history", id, "--url", api)).get("events");
        return new String[] {id, events.get(events.size() - 1).get("position").asText()};
    }

    /**
     * Orders {@code from} until {@code to} ({@link #order}, the even ones full), each read back at once from the api's
     * read model at its own position, which is a vector: read-your-writes across processes. Adds their ids to
     * {@code ids}; returns the last position.
     */
    private static String ordersReadBack(String api, int from, int to, List<String> ids) throws IOException {
        String last = null;
        for (int i = from; i < to; i++) {
            String[] created = order(api, i, i % 2 == 0);
            ids.add(created[0]);
            last = created[1];
            assertThat(Position.parse(last)).isInstanceOf(Position.Vector.class);
            JsonNode row = ReadModelRows.listAll(api, last).get(created[0]);
            assertThat(row)
                    .as("order %s in the read model at %s", created[0], last)
                    .isNotNull();
            assertThat(row.get("status").asText()).isEqualTo(i % 2 == 0 ? "delivered" : "created");
        }
        return last;
    }

    /** Every id has exactly one read-model row, equal to the order replayed from the log. */
    private static void assertRowsEqualReplay(String api, List<String> ids, String last) throws IOException {
        Map<String, JsonNode> rows = ReadModelRows.listAll(api, last);
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            JsonNode replayed = json(CliRun.of("orders", "get", id, "--url", api));
            for (String field : List.of("status", "total_amount", "version", "currency", "user_id")) {
                assertThat(rows.get(id).get(field)).as("%s of %s", field, id).isEqualTo(replayed.get(field));
            }
        }
    }

    private static void awaitHealth(RoleProcess p, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!p.health().equals(status)) {
            assertThat(System.nanoTime()).as("%s reports %s", p.url(), status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void apiReadModelSnapshots_asProcesses_readYourWritesAndReplayEqual() throws Exception {
        List<RoleProcess> processes = serveAll("api", "read-model", "snapshots");
        RoleProcess api = processes.get(0);
        RoleProcess readModel = processes.get(1);
        RoleProcess snapshotsRole = processes.get(2);
        awaitHealth(readModel, "ok");
        awaitHealth(snapshotsRole, "ok");

        List<String> ids = new ArrayList<>();
        String last = ordersReadBack(api.url(), 0, 6, ids);
        assertThat(HttpGet.json(api.url() + "/api/projections").toString()).contains("remote");
        assertRowsEqualReplay(api.url(), ids, last);

        PostgresOptions pg = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withMigrate(false);
        KafkaOptions kafka = KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve("replay"))
                .withTopicLayout(3, 1, 1);
        try (var pool = pg.openPool();
                PostgresSnapshotStore snapshots = PostgresSnapshotStore.open(pool, pg, SnapshotRetention.DEFAULT);
                PostgresCheckpointStore checkpoints = PostgresCheckpointStore.open(pool, pg);
                EventStore log = EventStore.of(KafkaEventLog.openReader(kafka))) {
            Position head = Position.parse(last);
            assertThat(log.awaitPosition(head, Duration.ofSeconds(30))).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!checkpoints
                    .load(OrderSnapshotService.CHECKPOINT)
                    .map(p -> p.covers(log.head()))
                    .orElse(false)) {
                assertThat(System.nanoTime()).as("snapshot service caught up").isLessThan(deadline);
                Thread.sleep(100);
            }
            OrderService replay = new OrderService(log, null, Clock.systemUTC());
            for (int i = 0; i < ids.size(); i++) {
                List<Snapshot> kept = snapshots.snapshots(ids.get(i));
                if (i % 2 != 0) {
                    assertThat(kept).as("no snapshot of a created-only order").isEmpty();
                    continue;
                }
                assertThat(kept.stream().mapToLong(Snapshot::version).max().orElse(0))
                        .as("the snapshot after Delivered of %s", ids.get(i))
                        .isEqualTo(4);
                for (Snapshot s : kept) {
                    String replayed = OrderService.STATE_CODEC.write(
                            replay.loadAtVersion(ids.get(i), s.version()).state());
                    assertThat(Json.mapper().readTree(s.state()))
                            .as("snapshot of %s at %d", ids.get(i), s.version())
                            .isEqualTo(Json.mapper().readTree(replayed));
                }
            }
        }
    }

    /** Starts the roles at once (each a JVM start and a topic index), in order of {@code roles}. */
    private List<RoleProcess> serveAll(String... roles) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RoleProcess>> futures = new ArrayList<>();
            for (String role : roles) {
                int n = started++;
                futures.add(pool.submit(() -> serve(role, n)));
            }
            List<RoleProcess> out = new ArrayList<>();
            for (Future<RoleProcess> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    private static String metric(RoleProcess p, String prefix) throws IOException {
        return HttpGet.text(p.url() + "/metrics")
                .lines()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElse("");
    }

    /** The {@code partitions} of {@code GET /health}. */
    private static List<Integer> partitions(RoleProcess p) throws IOException {
        List<Integer> out = new ArrayList<>();
        HttpGet.json(p.url() + "/health").get("partitions").forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** Waits until {@code a} and {@code b} both apply partitions, disjoint and together all three. */
    private static void awaitSplit(RoleProcess a, RoleProcess b) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (true) {
            List<Integer> pa = partitions(a);
            List<Integer> pb = partitions(b);
            List<Integer> all = new ArrayList<>(pa);
            all.addAll(pb);
            Collections.sort(all);
            if (!pa.isEmpty() && !pb.isEmpty() && all.equals(List.of(0, 1, 2))) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("two read-model processes split the partitions (%s, %s)", pa, pb)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void twoReadModels_splitPartitions_oneTakesAllAfterKill9_rowsEqualReplay() throws Exception {
        List<RoleProcess> processes = serveAll("api", "read-model", "read-model");
        RoleProcess api = processes.get(0);
        RoleProcess first = processes.get(1);
        RoleProcess second = processes.get(2);
        awaitSplit(first, second);
        assertThat(first.health()).isEqualTo("ok");
        assertThat(second.health()).as("both read-model processes are active").isEqualTo("ok");
        assertThat(metric(first, "hindsight_readmodel_partitions"))
                .endsWith(" " + partitions(first).size() + ".0");
        assertThat(metric(second, "hindsight_role_active{"))
                .as("no lease for the read model over Kafka")
                .isEmpty();

        // read-your-writes from the api while both apply their partitions: orders land in all three
        List<String> ids = new ArrayList<>();
        String last = ordersReadBack(api.url(), 0, 9, ids);
        assertRowsEqualReplay(api.url(), ids, last);

        List<Integer> survivorHeld = partitions(second);
        first.kill();
        long killed = System.nanoTime();
        long deadline = killed + Duration.ofSeconds(30).toNanos();
        while (!partitions(second).equals(List.of(0, 1, 2))) {
            assertThat(System.nanoTime())
                    .as("the survivor takes every partition (held %s)", partitions(second))
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
        System.out.printf(
                "KafkaRolesIT: surviving read-model holds all partitions (had %s) %d ms after kill -9 of the other%n",
                survivorHeld, (System.nanoTime() - killed) / 1_000_000);
        assertThat(metric(second, "hindsight_readmodel_partitions")).endsWith(" 3.0");
        for (int i = 9; i < 15; i++) {
            String[] created = order(api.url(), i, i % 2 == 0);
            ids.add(created[0]);
            last = created[1];
        }
        // the survivor resumed each taken partition from its committed checkpoint: every row once, equal to replay
        assertRowsEqualReplay(api.url(), ids, last);
    }

    /** The value of gauge {@code hindsight_readmodel_partitions} of {@code p}; -1 if it has none. */
    private static int partitionGauge(RoleProcess p) throws IOException {
        String line = metric(p, "hindsight_readmodel_partitions ");
        return line.isEmpty() ? -1 : (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** The open read-model connections of this test's database (their application name ends in -readmodel). */
    private static int readModelConnections() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND application_name LIKE '%-readmodel'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void apiWithReadModel_splitsPartitionsWithReadModelProcess_neverTheWholeLog() throws Exception {
        List<RoleProcess> processes = serveAll("api,read-model", "read-model");
        RoleProcess api = processes.get(0);
        RoleProcess readModel = processes.get(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (true) {
            int onApi = partitionGauge(api);
            List<Integer> other = partitions(readModel);
            if (onApi > 0 && !other.isEmpty() && onApi + other.size() == 3) {
                break;
            }
            assertThat(System.nanoTime())
                    .as(
                            "the api,read-model process (%d partitions) splits with the read-model process (%s)",
                            onApi, other)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
        List<String> ids = new ArrayList<>();
        String last = ordersReadBack(api.url(), 0, 6, ids);
        assertRowsEqualReplay(api.url(), ids, last);
        // one read-model pool per process: the api's two order systems (commands, and its share of the partitions)
        // share one (each pool keeps its 12 connections open, so two in the api would make 36)
        int readModelConnections = readModelConnections();
        System.out.printf("KafkaRolesIT: %d read-model connections of two processes%n", readModelConnections);
        assertThat(readModelConnections).isBetween(1, 2 * OrdersWiring.READ_MODEL_POOL);
        // verify of the split read model through the api: the partition rows' vector, replayed over every partition
        CliRun verify = CliRun.of("projections", "verify", "orders", "--url", api.url());
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("\"ok\":true");
    }
}
