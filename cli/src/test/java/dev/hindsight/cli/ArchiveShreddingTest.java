package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.grep;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding and the archive (file engine, {@code file://} archive: s3proxy cannot share the server's class
 * path, see {@link ArchiveCliTest}): a customer's orders end up in archived segments; after {@code forget} no byte of
 * the archived objects holds the personal values, and the log restored from the archive decodes to ciphertext only,
 * while the order still reads (erased) through the server.
 */
class ArchiveShreddingTest {
    private static final String ALICE = "alice-arch-3h6j";
    private static final String NOTE = "gate code 4471 at 9 Birch Lane";

    @TempDir
    Path tmp;

    @Test
    void forget_archivedOrders_noPersonalValueInArchivedObjectsOrRestoredLog() throws Exception {
        Path data = tmp.resolve("data");
        Path archive = tmp.resolve("archive");
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs(
                        "serve",
                        "--port",
                        "0",
                        "--data-dir",
                        data.toString(),
                        "--master-key-file",
                        ShreddingChecks.masterKeyFile(tmp).toString(),
                        "--segment-size",
                        "64KiB",
                        "--archive-url",
                        archive.toUri().toString(),
                        "--archive-after",
                        "0s",
                        "--archive-cache",
                        "8MiB")
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        HindsightServer server = serve.start();
        String order;
        try {
            String url = "http://127.0.0.1:" + server.port();
            order = createOrder(url, ALICE);
            ok("POST", url + "/api/orders/" + order + "/cancel", "{\"reason\":\"" + NOTE + "\"}");
            for (int r = 0; r < 20; r++) {
                StringBuilder b = new StringBuilder("{\"appends\":[");
                for (int i = 0; i < 100; i++) {
                    b.append(i == 0 ? "" : ",")
                            .append("{\"aggregate_id\":\"acc-")
                            .append(r)
                            .append('-')
                            .append(i)
                            .append("\",\"events\":{\"event_type\":\"Deposited\",\"event_data\":{\"amount\":")
                            .append(i)
                            .append(",\"note\":\"")
                            .append("monthly salary ".repeat(8))
                            .append("\"}}}");
                }
                ok("POST", url + "/api/appends", b.append("]}").toString());
            }
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

        // archived objects are compressed: restore them and decode the events
        Path restored = tmp.resolve("restored");
        CliRun restore = CliRun.of(
                "archive",
                "restore",
                "--data-dir",
                restored.toString(),
                "--archive-url",
                archive.toUri().toString());
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(restored))) {
            List<RecordedEvent> first =
                    log.readAll(Position.START, 100, EventFilter.ALL).events();
            List<RecordedEvent> alices =
                    first.stream().filter(e -> e.aggregateId().equals(order)).toList();
            assertThat(alices).hasSize(2);
            assertThat(alices.toString()).contains("enc:v1:").doesNotContain(ALICE, NOTE);
        }
    }
}
