package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding end to end on the Kafka engine (an in-process 1-broker KRaft cluster, as the other Kafka ITs of
 * this module) with PostgreSQL: the split roles ({@code api}, {@code read-model}, {@code snapshots}, in-process) share
 * the subject keys in the PostgreSQL schema. After {@code forget}: reads, order state and time travel show
 * {@code "[erased]"}, no row of any table of the store's schema or its read-model schema holds a personal value (as
 * text, bytea as hex too), and a raw consumer of the whole topic finds none in any record key, value or header.
 */
class KafkaCryptoShreddingIT {
    private static final String ALICE = "alice-kafka-8q3w1z";
    private static final String BOB = "bob-kafka-2m9x4c";
    private static final String NOTE = "ring twice at 12 Elm Street";
    /** Base of the two api nodes' ports (this worktree's 29xxx range). */
    private static final int API_PORT = 29251;

    private static KafkaTestCluster cluster;

    private final String schema = "t_kshred_" + UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "shred-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<HindsightServer> servers = new ArrayList<>();
    private final List<WorkerProcess> workers = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.shared();
    }

    @AfterEach
    void stop() throws SQLException {
        workers.forEach(WorkerProcess::stop);
        servers.forEach(HindsightServer::stop);
        PgTestDb.dropStoreSchemas(schema);
    }

    /** {@code serve --store kafka} on the test's topic with its own data directory {@code data-NAME}. */
    private ServeCommand command(String name, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(CliRun.kafkaStore(cluster.bootstrapServers(), topic, dir.resolve("data-" + name)));
        args.addAll(extra);
        if (!extra.contains("--port")) {
            args.addAll(List.of("--port", "0"));
        }
        return Hindsight.commandLine()
                .parseArgs(args.toArray(String[]::new))
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
    }

    /** With PostgreSQL and the master key {@code key}, as {@code --role ROLE}. */
    private ServeCommand command(String name, String role, Path key, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(PgTestDb.storeArgs(schema));
        args.addAll(List.of("--master-key-file", key.toString(), "--role", role));
        return command(name, args);
    }

    private String serve(ServeCommand command) {
        HindsightServer server = command.start();
        servers.add(server);
        return "http://127.0.0.1:" + server.port();
    }

    @Test
    void forget_kafkaSplitRoles_noPersonalValueInTopicRowsOrReads() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        workers.add(command("read-model", "read-model", key).startWorker());
        workers.add(command("snapshots", "snapshots", key).startWorker());
        // fixed ports: the api nodes redirect appends (the forget's audit record) to a partition's owner
        String base = serve(command("api", "api", key, "--port", Integer.toString(API_PORT)));

        String paid = createOrder(base, ALICE);
        ok(
                "POST",
                base + "/api/orders/" + paid + "/pay",
                "{\"payment_id\":\"pay-7\",\"amount\":39.80,\"payment_method\":\"card\"}",
                "X-User-Id",
                ALICE);
        String cancelled = createOrder(base, ALICE);
        ok("POST", base + "/api/orders/" + cancelled + "/cancel", "{\"reason\":\"" + NOTE + "\"}", "X-User-Id", ALICE);
        String bobs = createOrder(base, BOB);
        awaitReadModel(base, ALICE, 2);
        awaitReadModel(base, BOB, 1);
        awaitSnapshot(paid);
        assertThat(ok("GET", base + "/api/orders/" + paid, null).get("user_id").asText())
                .as("decrypted while the key exists")
                .isEqualTo(ALICE);
        // a second api node shares the topic's partitions and the keys; it caches the order's decrypted state
        String other = serve(command("api-2", "api", key, "--port", Integer.toString(API_PORT + 1)));
        assertThat(ok("GET", other + "/api/orders/" + paid, null).get("user_id").asText())
                .isEqualTo(ALICE);
        assertThat(rowsContaining(ALICE))
                .as("the read model holds the id in clear before forget")
                .isNotEmpty();
        assertThat(subjectKeys()).as("one key per customer, in PostgreSQL").isEqualTo(2);
        assertThat(dir.resolve("data-api").resolve(FileSubjectKeyStore.FILE_NAME))
                .doesNotExist();

        // a 503 not_owner while the partitions move to the new node changes nothing: the client retries
        CliRun forgot = CliRun.of("forget", ALICE, "--url", base);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (forgot.exitCode() != 0 && forgot.err().contains("not_owner") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            forgot = CliRun.of("forget", ALICE, "--url", base);
        }
        assertThat(forgot.exitCode()).as(forgot.err()).isZero();
        assertThat(Json.mapper().readTree(forgot.out()).get("key_destroyed").asBoolean())
                .isTrue();

        // reads: events, order state, time travel, the read model. The forget may have run on the other node (the
        // owner of $audit's partition): this one drops its cached states when the SubjectForgotten record reaches it.
        awaitErased(base + "/api/orders/" + paid);
        String events =
                ok("GET", base + "/api/aggregates/" + paid + "/events", null).toString();
        assertThat(events).contains(Shredder.ERASED).doesNotContain(ALICE, "enc:v1:");
        JsonNode order = ok("GET", base + "/api/orders/" + paid, null);
        assertThat(order.get("user_id").asText()).isEqualTo(Shredder.ERASED);
        assertThat(order.get("status").asText()).isEqualTo("paid");
        assertThat(ok("GET", base + "/api/orders/" + paid + "?version=1", null)
                        .get("user_id")
                        .asText())
                .isEqualTo(Shredder.ERASED);
        assertThat(ok("GET", base + "/api/orders/" + cancelled, null)
                        .get("cancel_reason")
                        .asText())
                .isEqualTo(Shredder.ERASED);
        assertThat(ok("GET", base + "/api/orders?user_id=" + ALICE, null).get("orders"))
                .isEmpty();
        awaitErased(other + "/api/orders/" + paid);
        assertThat(ok("GET", base + "/api/orders/" + bobs, null).get("user_id").asText())
                .as("another customer stays readable")
                .isEqualTo(BOB);
        assertThat(ok("GET", base + "/api/aggregates/$audit/events", null).toString())
                .contains("SubjectForgotten")
                .doesNotContain(ALICE);

        // storage: every PostgreSQL row, the snapshots, the whole topic, the nodes' data directories
        assertThat(rowsContaining(ALICE)).isEmpty();
        assertThat(rowsContaining(NOTE)).isEmpty();
        assertThat(subjectKeys()).isEqualTo(1);
        assertThat(storedSnapshots(paid))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.state()).doesNotContain(ALICE).contains("enc:v1:"));
        Map<String, Integer> topicHits = topicOccurrences(List.of(ALICE, NOTE, "enc:v1:", "SubjectForgotten"));
        assertThat(topicHits.get(ALICE))
                .as("plaintext customer id in the topic")
                .isZero();
        assertThat(topicHits.get(NOTE)).as("plaintext note in the topic").isZero();
        assertThat(topicHits.get("enc:v1:")).as("encrypted fields in the topic").isPositive();
        assertThat(topicHits.get("SubjectForgotten"))
                .as("the audit event in the topic")
                .isPositive();
        assertThat(ShreddingChecks.grep(dir, ALICE)).isEmpty();
        assertThat(ShreddingChecks.grep(dir, NOTE)).isEmpty();
    }

    @Test
    void forget_kafkaOneNodeWithPgUrl_keysInPostgres_onlineAndOffline() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        String base = serve(command("all", "all", key));
        String order = createOrder(base, ALICE);
        String bobs = createOrder(base, BOB);
        assertThat(subjectKeys()).isEqualTo(2);
        assertThat(dir.resolve("data-all").resolve(FileSubjectKeyStore.FILE_NAME))
                .doesNotExist();

        CliRun forgot = CliRun.of("forget", ALICE, "--url", base);
        assertThat(forgot.exitCode()).as(forgot.err()).isZero();

        assertThat(subjectKeys()).isEqualTo(1);
        assertThat(ok("GET", base + "/api/orders/" + order, null).get("user_id").asText())
                .isEqualTo(Shredder.ERASED);
        assertThat(topicOccurrences(List.of(ALICE)).get(ALICE)).isZero();
        assertThat(ShreddingChecks.grep(dir, ALICE)).isEmpty();

        // offline, the node stopped: the keys in PostgreSQL, the read model in its data directory
        awaitReadModel(base, BOB, 1);
        servers.removeLast().stop();
        assertThat(ShreddingChecks.grep(dir, BOB))
                .as("the local read model holds the id")
                .isNotEmpty();
        List<String> offlineArgs = new ArrayList<>(List.of("forget", BOB));
        offlineArgs.addAll(PgTestDb.storeArgs(schema));
        offlineArgs.addAll(
                List.of("--data-dir", dir.resolve("data-all").toString(), "--master-key-file", key.toString()));
        CliRun offline = CliRun.of(offlineArgs.toArray(String[]::new));
        assertThat(offline.exitCode()).as(offline.err()).isZero();
        assertThat(offline.out()).contains("\"key_destroyed\":true");
        assertThat(subjectKeys()).isZero();
        assertThat(ShreddingChecks.grep(dir, BOB)).isEmpty();
        String again = serve(command("all", "all", key));
        assertThat(ok("GET", again + "/api/orders/" + bobs, null).get("user_id").asText())
                .isEqualTo(Shredder.ERASED);
    }

    @Test
    void secondNode_besideOneNodeWithMasterKey_refused() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        // --pg-url "": not $HINDSIGHT_PG_URL either, the keys in the data directory
        List<String> fileKeys = List.of("--pg-url", "", "--master-key-file", key.toString());
        String base = serve(command("one", fileKeys));
        createOrder(base, ALICE);
        assertThat(dir.resolve("data-one").resolve(FileSubjectKeyStore.FILE_NAME))
                .exists();

        assertThatThrownBy(() -> serve(command("two", fileKeys)))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("must be the only node of topic " + topic);
        assertThatThrownBy(() -> serve(command("three", List.of("--pg-url", ""))))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("with crypto-shredding (a master key): start this node with the same");
        assertThatThrownBy(() -> serve(command("four", "api", key)))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("with a master key and --role all");
        assertThat(ok("GET", base + "/api/orders?user_id=" + ALICE, null).get("orders"))
                .as("the first node still serves")
                .isNotNull();
        assertThat(topicOccurrences(List.of(ALICE)).get(ALICE)).isZero();
    }

    /** Waits until the order at {@code url} reads its customer as erased (another node drops its cached state). */
    private static void awaitErased(String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ok("GET", url, null).get("user_id").asText().equals(Shredder.ERASED)) {
            assertThat(System.nanoTime())
                    .as("%s reads the customer erased", url)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Occurrences of each needle's UTF-8 bytes in the keys, values and headers of every record of the topic. */
    private Map<String, Integer> topicOccurrences(List<String> needles) {
        Map<String, Object> config = new HashMap<>(cluster.clientConfig());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"); // aborted batches too
        Map<String, Integer> hits = new HashMap<>();
        needles.forEach(n -> hits.put(n, 0));
        int records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("read the whole topic").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    List<byte[]> parts = new ArrayList<>();
                    parts.add(r.key());
                    parts.add(r.value());
                    for (Header h : r.headers()) {
                        parts.add(h.key().getBytes(StandardCharsets.UTF_8));
                        parts.add(h.value());
                    }
                    for (String n : needles) {
                        byte[] needle = n.getBytes(StandardCharsets.UTF_8);
                        for (byte[] part : parts) {
                            if (part != null) {
                                hits.merge(n, ShreddingChecks.count(part, needle), Integer::sum);
                            }
                        }
                    }
                }
            }
        }
        assertThat(records).as("records in the topic").isPositive();
        return hits;
    }

    private int subjectKeys() throws SQLException {
        try (Connection c = PgTestDb.connect();
                Statement s = c.createStatement();
                // keys only: a forgotten customer's row is its tombstone, which holds no key
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".subject_keys WHERE key_id NOT LIKE '"
                        + dev.hindsight.core.privacy.SubjectKey.FORGOTTEN_PREFIX + "%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<String> rowsContaining(String value) throws SQLException {
        return PgTestDb.rowsContaining(schema, value);
    }

    private List<Snapshot> storedSnapshots(String orderId) {
        return PgTestDb.storedSnapshots(schema, orderId);
    }

    private void awaitSnapshot(String orderId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (storedSnapshots(orderId).isEmpty()) {
            assertThat(System.nanoTime())
                    .as("the snapshots role writes a snapshot")
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void awaitReadModel(String base, String user, int orders) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ok("GET", base + "/api/orders?user_id=" + user, null)
                        .get("orders")
                        .size()
                < orders) {
            assertThat(System.nanoTime()).as("the read-model role catches up").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
