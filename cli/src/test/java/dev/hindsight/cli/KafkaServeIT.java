package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private static KafkaTestCluster cluster;

    @TempDir
    Path dataDir;

    private HindsightServer server;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.shared();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private String serve(String topic) {
        server = serveNode(topic, 0, dataDir);
        return "http://127.0.0.1:" + server.port();
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
    void twoNodes_appendToTheOtherNodesPartition_redirectsToItsOwner() throws Exception {
        int portA = freePort();
        int portB = freePort();
        HindsightServer a = serveNode("cli-redirect", portA, dataDir.resolve("a"));
        HindsightServer b = serveNode("cli-redirect", portB, dataDir.resolve("b"));
        String urlA = "http://127.0.0.1:" + portA;
        String urlB = "http://127.0.0.1:" + portB;
        HttpClient noFollow = HttpClient.newHttpClient();
        HttpClient follow = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        try {
            String body = "{\"event_type\":\"Tested\",\"event_data\":{}}";
            HttpResponse<String> redirected = null;
            String aggregate = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int i = 0; redirected == null && System.nanoTime() < deadline; i++) {
                aggregate = "redirect-" + i;
                HttpResponse<String> r = noFollow.send(
                        post(urlA + "/api/aggregates/" + aggregate + "/events", body),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 307) {
                    redirected = r;
                } else if (r.statusCode() == 503) {
                    Thread.sleep(200); // partitions are moving to node B
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                }
            }
            assertThat(redirected).as("an aggregate owned by node B").isNotNull();
            String location = redirected.headers().firstValue("Location").orElseThrow();
            assertThat(location).isEqualTo(urlB + "/api/aggregates/" + aggregate + "/events");
            JsonNode error = Json.mapper().readTree(redirected.body());
            assertThat(error.get("error").asText()).isEqualTo("not_owner");
            assertThat(error.get("message").asText()).contains(urlB);

            // a client that follows redirects appends through node A without knowing the owner. Node A may name node
            // B as the owner a moment before node B has rebuilt the partition's state and accepts appends; node B
            // answers 503 not_owner (retry) until then, as the README says, so the client retries like any client.
            HttpResponse<String> stored;
            do {
                stored = follow.send(
                        HttpRequest.newBuilder(URI.create(urlA + "/api/aggregates/" + aggregate + "/events"))
                                .header("Content-Type", "application/json")
                                .header("Expected-Version", "no_stream")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (stored.statusCode() == 503) {
                    Thread.sleep(200);
                }
            } while (stored.statusCode() == 503 && System.nanoTime() < deadline);
            assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
            assertThat(stored.uri().toString()).startsWith(urlB);
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void advertisedUrl_badOrOnOtherStores_clearErrors() {
        CliRun bad = CliRun.of(
                "serve",
                "--port",
                "0",
                "--store",
                "kafka",
                "--kafka-bootstrap",
                cluster.bootstrapServers(),
                "--kafka-advertised-url",
                "ftp:/x",
                "--data-dir",
                dataDir.toString());
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("--kafka-advertised-url must look like http://HOST:PORT");

        CliRun file = CliRun.of(
                "serve", "--port", "0", "--kafka-advertised-url", "http://x:1", "--data-dir", dataDir.toString());
        assertThat(file.exitCode()).isNotZero();
        assertThat(file.err()).contains("--kafka-advertised-url applies to --store kafka");
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HindsightServer serveNode(String topic, int port, Path data) {
        List<String> args = new ArrayList<>(List.of("serve", "--port", Integer.toString(port)));
        args.addAll(CliRun.kafkaStore(cluster.bootstrapServers(), topic, data));
        return ServeRun.start(args.toArray(String[]::new));
    }

    @Test
    void serveOnKafka_withoutBootstrap_failsWithClearMessage() {
        CliRun r = CliRun.of(
                "serve", "--port", "0", "--store", "kafka", "--kafka-bootstrap", "", "--data-dir", dataDir.toString());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("--store kafka needs --kafka-bootstrap");
    }
}
