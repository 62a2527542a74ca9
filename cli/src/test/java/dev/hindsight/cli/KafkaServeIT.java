package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store kafka} serves the same HTTP API on a Kafka topic (an in-process 1-broker KRaft cluster): events
 * appended and read with the CLI, expected-version conflicts, and the order system (snapshots and read model on local
 * disk) with read-your-writes on a vector position.
 */
class KafkaServeIT {
    @TempDir
    static Path clusterDir;

    private static KafkaTestCluster cluster;

    @TempDir
    Path dataDir;

    private HindsightServer server;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.start(clusterDir, 1);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private String serve(String topic) {
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs(
                        "serve",
                        "--port",
                        "0",
                        "--store",
                        "kafka",
                        "--kafka-bootstrap",
                        cluster.bootstrapServers(),
                        "--kafka-topic",
                        topic,
                        "--kafka-partitions",
                        "3",
                        "--kafka-replication",
                        "1",
                        "--data-dir",
                        dataDir.toString())
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        server = serve.start();
        return "http://127.0.0.1:" + server.port();
    }

    private static JsonNode json(CliRun r) throws IOException {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    @Test
    void serveOnKafka_appendThenReadOverHttp_withVersionChecks() throws Exception {
        String url = serve("cli-events");

        CliRun placed = CliRun.of(
                "append",
                "order-1",
                "--type",
                "OrderPlaced",
                "--data",
                "{\"total\": 4200}",
                "--expected-version",
                "no_stream",
                "--url",
                url);
        CliRun paid =
                CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1", "--url", url);
        CliRun conflict =
                CliRun.of("append", "order-1", "-t", "OrderPaid", "-d", "{}", "--expected-version", "1", "--url", url);
        CliRun read = CliRun.of("read", "order-1", "--url", url);

        assertThat(placed.exitCode()).as(placed.err()).isZero();
        assertThat(paid.exitCode()).as(paid.err()).isZero();
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.err() + conflict.out()).contains("wrong_expected_version");
        List<String> lines = read.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        assertThat(first.get("event_type").asText()).isEqualTo("OrderPlaced");
        assertThat(first.get("event_data").get("total").asLong()).isEqualTo(4200);
        assertThat(first.get("position").asText()).matches("0:\\d+,1:\\d+,2:\\d+");
        assertThat(Json.mapper().readTree(lines.get(1)).get("version").asLong()).isEqualTo(2);
    }

    @Test
    void serveOnKafka_orders_readModelCatchesUpToAVectorPosition() throws Exception {
        String url = serve("cli-orders");

        JsonNode created = json(CliRun.of(
                "orders", "create", "--user", "pia", "--currency", "EUR", "--item", "lamp:1:30.00", "--url", url));
        String id = created.get("order_id").asText();
        json(CliRun.of("orders", "pay", id, "--payment-id", "pay_9", "--amount", "30.00", "--url", url));
        JsonNode history = json(CliRun.of("orders", "history", id, "--url", url));
        String last = history.get("events").get(1).get("position").asText();
        CliRun list = CliRun.of("orders", "list", "--user", "pia", "--min-position", last, "--all", "--url", url);

        assertThat(list.exitCode()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(Json.mapper().readTree(lines.getFirst()).get("status").asText())
                .isEqualTo("paid");
    }

    @Test
    void serveOnKafka_withoutBootstrap_failsWithClearMessage() {
        CliRun r = CliRun.of(
                "serve", "--port", "0", "--store", "kafka", "--kafka-bootstrap", "", "--data-dir", dataDir.toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("--store kafka needs --kafka-bootstrap");
    }
}
