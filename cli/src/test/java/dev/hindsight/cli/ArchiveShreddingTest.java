package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.grep;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding and the archive (file engine, {@code file://} archive: s3proxy cannot share the server's class
 * path, see {@link ArchiveCliTest}): a customer's orders end up in archived segments; after {@code forget} no byte of
 * the archived objects holds the personal values, and the archived events, decoded by a server restarted on the store,
 * hold ciphertext only and read as erased.
 */
class ArchiveShreddingTest {
    private static final String ALICE = "alice-arch-3h6j";
    private static final String NOTE = "gate code 4471 at 9 Birch Lane";

    @TempDir
    Path tmp;

    private static HindsightServer serve(Path data, Path archive, Path key) {
        return ServeRun.start(
                "serve",
                "--port",
                "0",
                "--data-dir",
                data.toString(),
                "--master-key-file",
                key.toString(),
                "--segment-size",
                "64KiB",
                "--archive-url",
                archive.toUri().toString(),
                "--archive-after",
                "0s",
                "--archive-cache",
                "8MiB");
    }

    @Test
    void forget_archivedOrders_noPersonalValueInArchivedObjectsOrArchivedEvents() throws Exception {
        Path data = tmp.resolve("data");
        Path archive = tmp.resolve("archive");
        Path key = ShreddingChecks.masterKeyFile(tmp);
        HindsightServer server = serve(data, archive, key);
        String order;
        try {
            String url = "http://127.0.0.1:" + server.port();
            order = createOrder(url, ALICE);
            ok("POST", url + "/api/orders/" + order + "/cancel", "{\"reason\":\"" + NOTE + "\"}");
            CliRun.bulkDeposits(url, 20);
            JsonNode storage;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(200);
                storage = ok("GET", url + "/api/storage", null);
            } while ((storage.path("tiers").path("archived").path("events").asLong() == 0
                            || !storage.path("last_archive_run").isObject())
                    && System.nanoTime() < deadline);
            assertThat(storage.path("tiers").path("archived").path("events").asLong())
                    .as(storage.toString())
                    .isPositive();

            CliRun forgot = CliRun.of("forget", ALICE, "--url", url);
            assertThat(forgot.exitCode()).as(forgot.err()).isZero();
            assertThat(forgot.out()).contains("\"key_destroyed\":true");
            JsonNode state = ok("GET", url + "/api/orders/" + order, null);
            assertThat(state.get("user_id").asText()).isEqualTo(Shredder.ERASED);
            assertThat(state.get("cancel_reason").asText()).isEqualTo(Shredder.ERASED);
            assertThat(state.get("status").asText()).isEqualTo("cancelled");
        } finally {
            server.stop();
        }

        assertThat(grep(archive, ALICE)).isEmpty();
        assertThat(grep(archive, NOTE)).isEmpty();
        assertThat(grep(data, ALICE)).isEmpty();
        assertThat(grep(data, NOTE)).isEmpty();

        // archived objects are compressed: serve the store again and decode the archived events as stored
        HindsightServer again = serve(data, archive, key);
        try {
            String url = "http://127.0.0.1:" + again.port();
            List<JsonNode> stored = new ArrayList<>();
            ok("GET", url + "/api/events?encrypted=true&limit=100", null)
                    .get("events")
                    .forEach(e -> {
                        if (e.get("aggregate_id").asText().equals(order)) {
                            stored.add(e);
                        }
                    });
            assertThat(stored).hasSize(2);
            assertThat(stored.toString()).contains("enc:v1:").doesNotContain(ALICE, NOTE);
            assertThat(ok("GET", url + "/api/aggregates/" + order + "/events", null)
                            .toString())
                    .contains(Shredder.ERASED)
                    .doesNotContain(ALICE, NOTE);
        } finally {
            again.stop();
        }
    }
}
