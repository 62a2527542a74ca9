package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} runs the order system; {@code orders ...} drives it over HTTP. */
class OrdersCliTest {
    private static HindsightServer serve(String... args) {
        return ServeRun.start(args);
    }

    @Test
    void lifecycleThroughTheCli_onTheFileStore_readModelAndSnapshotsInTheDataDir(@TempDir Path dir) throws IOException {
        HindsightServer server = serve("serve", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never");
        String url = "http://127.0.0.1:" + server.port();
        try {
            JsonNode created = json(CliRun.of(
                    "orders",
                    "create",
                    "--user",
                    "ann",
                    "--currency",
                    "USD",
                    "--item",
                    "book:2:19.99",
                    "--item",
                    "pen:1:1.50",
                    "--user-id",
                    "clerk",
                    "--url",
                    url));
            String id = created.get("order_id").asText();
            assertThat(created.get("total_amount").toString()).isEqualTo("41.48");

            json(CliRun.of("orders", "pay", id, "--payment-id", "pay_1", "--amount", "41.48", "--url", url));
            json(CliRun.of(
                    "orders",
                    "ship",
                    id,
                    "--tracking",
                    "T1",
                    "--carrier",
                    "UPS",
                    "--expected-version",
                    "2",
                    "--url",
                    url));
            JsonNode delivered = json(CliRun.of("orders", "deliver", id, "--url", url));
            assertThat(delivered.get("status").asText()).isEqualTo("delivered");

            CliRun twice = CliRun.of("orders", "deliver", id, "--url", url);
            assertThat(twice.exitCode()).isEqualTo(1);
            assertThat(Json.mapper().readTree(twice.err()).get("error").asText())
                    .isEqualTo("invalid_transition");

            assertThat(json(CliRun.of("orders", "get", id, "--version", "1", "--url", url))
                            .get("status")
                            .asText())
                    .isEqualTo("created");
            JsonNode history = json(CliRun.of("orders", "history", id, "--url", url));
            assertThat(history.get("events")).hasSize(4);
            assertThat(history.get("events").get(0).get("user_id").asText()).isEqualTo("clerk");

            CliRun list = CliRun.of(
                    "orders",
                    "list",
                    "--user",
                    "ann",
                    "--min-position",
                    history.get("events").get(3).get("position").asText(),
                    "--all",
                    "--url",
                    url);
            assertThat(list.exitCode()).as(list.err()).isZero();
            List<String> lines = list.out().lines().toList();
            assertThat(lines).hasSize(1);
            assertThat(Json.mapper().readTree(lines.getFirst()).get("status").asText())
                    .isEqualTo("delivered");

            JsonNode storage = HttpGet.json(url + "/api/storage");
            assertThat(storage.get("engine").asText()).isEqualTo("file");
            assertThat(storage.get("events").asLong()).isEqualTo(4);
            assertThat(HttpGet.assertStorageMeasured(storage)).isBetween(4 * 100L, 4 * 4096L);
        } finally {
            server.stop();
        }
        assertThat(dir.resolve("readmodel.db")).exists();
        assertThat(Files.list(dir.resolve("snapshots")).count()).isPositive();
    }

    @Test
    void badArguments_usageErrorsWithExit2() {
        assertThat(CliRun.of("orders", "create", "--user", "u", "--item", "nocolons")
                        .exitCode())
                .isEqualTo(2);
        assertThat(CliRun.of("orders", "pay", "o", "--payment-id", "p", "--amount", "ten")
                        .exitCode())
                .isEqualTo(2);
        assertThat(CliRun.of("orders", "get", "o", "--as-of", "yesterday").exitCode())
                .isEqualTo(2);
        assertThat(CliRun.of("orders").exitCode()).isEqualTo(2);
    }

    @Test
    void memoryStore_servesOrdersToo() throws IOException {
        HindsightServer server = serve("serve", "--port", "0", "--store", "memory");
        try {
            String url = "http://127.0.0.1:" + server.port();
            JsonNode created = json(CliRun.of(
                    "orders", "create", "--user", "bob", "--currency", "JPY", "--item", "tea:3:500", "--url", url));
            assertThat(created.get("total_amount").toString()).isEqualTo("1500");
            JsonNode projections = Json.mapper()
                    .readTree(new HttpApi(url).get("/api/projections").body());
            assertThat(projections.get("projections").get(0).get("name").asText())
                    .isEqualTo("orders");
        } finally {
            server.stop();
        }
    }
}
