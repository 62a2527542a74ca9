package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.grep;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding end to end on the file engine: a server with a master key, orders through the HTTP API, snapshots,
 * the read model, an export; then {@code forget}, and every file of the data directory and the export is grepped for
 * the customer's personal values (0 hits), while reads show them erased and everything else intact.
 */
class CryptoShreddingTest {
    private static final String ALICE = "alice-7f3k9q";
    private static final String NOTE = "moved to 12 Elm Street";
    private static final String BOB = "bob-2m8x4w";

    @TempDir
    Path dir;

    private HindsightServer serve(Path dataDir, Path keyFile) {
        return ServeRun.start(
                "serve", "--port", "0", "--data-dir", dataDir.toString(), "--master-key-file", keyFile.toString());
    }

    @Test
    void forget_fileStore_leavesNoPersonalValueInAnyFileOrExport() throws Exception {
        Path data = dir.resolve("data");
        Path key = ShreddingChecks.masterKeyFile(dir);
        HindsightServer server = serve(data, key);
        String base = "http://127.0.0.1:" + server.port();
        String paid;
        String cancelled;
        String bobs;
        Path export = dir.resolve("export.jsonl");
        Instant beforeCancel;
        try {
            paid = createOrder(base, ALICE);
            ok(
                    "POST",
                    base + "/api/orders/" + paid + "/pay",
                    "{\"payment_id\":\"pay-1\",\"amount\":39.80,\"payment_method\":\"card\"}");
            cancelled = createOrder(base, ALICE);
            beforeCancel = Instant.now();
            Thread.sleep(5);
            ok("POST", base + "/api/orders/" + cancelled + "/cancel", "{\"reason\":\"" + NOTE + "\"}");
            bobs = createOrder(base, BOB);
            awaitSnapshot(server);
            awaitReadModel(base, ALICE, 2);

            // transparent while the key exists
            assertThat(ok("GET", base + "/api/orders/" + paid, null)
                            .get("user_id")
                            .asText())
                    .isEqualTo(ALICE);
            assertThat(ok("GET", base + "/api/orders/" + cancelled, null)
                            .get("cancel_reason")
                            .asText())
                    .isEqualTo(NOTE);

            CliRun exported = CliRun.of("export", "--url", base);
            assertThat(exported.exitCode()).as(exported.err()).isZero();
            Files.writeString(export, exported.out(), StandardCharsets.UTF_8);
            assertThat(exported.out()).contains("enc:v1:").contains("39.8");
            // the test can see the values where they are in clear: the read model holds the customer's id
            assertThat(grep(data, ALICE)).isNotEmpty();

            CliRun forgot = CliRun.of("forget", ALICE, "--url", base);
            assertThat(forgot.exitCode()).as(forgot.err()).isZero();
            JsonNode answer = Json.mapper().readTree(forgot.out());
            assertThat(answer.get("key_destroyed").asBoolean()).isTrue();
            String ref = answer.get("subject_ref").asText();

            // erased everywhere it is read: state, time travel, events, history, read model
            JsonNode order = ok("GET", base + "/api/orders/" + paid, null);
            assertThat(order.get("user_id").asText()).isEqualTo(Shredder.ERASED);
            assertThat(order.get("status").asText()).isEqualTo("paid");
            assertThat(order.toString()).contains("39.8");
            JsonNode asOf = ok("GET", base + "/api/orders/" + cancelled + "?as_of=" + beforeCancel, null);
            assertThat(asOf.get("user_id").asText()).isEqualTo(Shredder.ERASED);
            assertThat(asOf.get("status").asText()).isEqualTo("created");
            JsonNode c = ok("GET", base + "/api/orders/" + cancelled, null);
            assertThat(c.get("cancel_reason").asText()).isEqualTo(Shredder.ERASED);
            assertThat(c.get("status").asText()).isEqualTo("cancelled");
            String events = ok("GET", base + "/api/aggregates/" + paid + "/events", null)
                    .toString();
            assertThat(events).doesNotContain(ALICE).contains(Shredder.ERASED, "OrderPaid", "pay-1");
            assertThat(ok("GET", base + "/api/orders/" + cancelled + "/history", null)
                            .toString())
                    .doesNotContain(ALICE, NOTE);
            assertThat(ok("GET", base + "/api/events?limit=100", null).toString())
                    .doesNotContain(ALICE, NOTE);
            assertThat(ok("GET", base + "/api/orders?user_id=" + ALICE, null).get("orders"))
                    .isEmpty();
            assertThat(ok("GET", base + "/api/orders/" + bobs, null)
                            .get("user_id")
                            .asText())
                    .isEqualTo(BOB);

            // the audit trail: who and when, by HMAC
            String audit =
                    ok("GET", base + "/api/aggregates/$audit/events", null).toString();
            assertThat(audit).contains("SubjectForgotten", ref).doesNotContain(ALICE);
            assertThat(CliRun.of("forget", ALICE, "--url", base).out()).contains("\"key_destroyed\":false");
        } finally {
            server.stop();
        }

        // the floor: no byte of the data directory or the export holds the values
        assertThat(grep(data, ALICE)).isEmpty();
        assertThat(grep(data, NOTE)).isEmpty();
        assertThat(grep(export.getParent(), ALICE)).isEmpty();
        assertThat(grep(export.getParent(), NOTE)).isEmpty();
        assertThat(grep(data, BOB)).isNotEmpty(); // Bob is not forgotten: his id is in the read model

        // snapshots are compressed on disk, so also decode them: their stored states hold ciphertext, not values
        try (FileSnapshotStore snapshots =
                FileSnapshotStore.open(data.resolve("snapshots"), SnapshotRetention.DEFAULT)) {
            List<Snapshot> kept = snapshots.snapshots(paid);
            assertThat(kept).isNotEmpty();
            assertThat(kept.getFirst().state()).contains("enc:v1:").doesNotContain(ALICE);
        }
        // and so are sealed segments: decode the log too
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(data))) {
            String all = log.readAll(Position.START, 10_000, dev.hindsight.core.EventFilter.ALL)
                    .events()
                    .toString();
            assertThat(all).doesNotContain(ALICE, NOTE).contains("enc:v1:");
        }
    }

    @Test
    void forgetOffline_stoppedFileStore_erasesKeyAndReadModel() throws Exception {
        Path data = dir.resolve("offline");
        Path key = ShreddingChecks.masterKeyFile(dir);
        HindsightServer server = serve(data, key);
        String order;
        try {
            String base = "http://127.0.0.1:" + server.port();
            order = createOrder(base, ALICE);
            awaitReadModel(base, ALICE, 1);
        } finally {
            server.stop();
        }
        assertThat(grep(data, ALICE)).isNotEmpty();

        CliRun noKey = CliRun.of("forget", ALICE, "--data-dir", data.toString());
        assertThat(noKey.exitCode()).isNotZero();
        assertThat(noKey.err()).contains("master key");
        HindsightServer running = serve(data, key);
        try {
            CliRun busy =
                    CliRun.of("forget", ALICE, "--data-dir", data.toString(), "--master-key-file", key.toString());
            assertThat(busy.exitCode()).isNotZero();
            assertThat(busy.err()).contains("in use by a running server").contains("--url");
        } finally {
            running.stop();
        }
        assertThat(grep(data, ALICE)).as("a refused forget changes nothing").isNotEmpty();
        CliRun forgot = CliRun.of("forget", ALICE, "--data-dir", data.toString(), "--master-key-file", key.toString());
        assertThat(forgot.exitCode()).as(forgot.err()).isZero();
        assertThat(forgot.out()).contains("\"key_destroyed\":true");
        assertThat(grep(data, ALICE)).isEmpty();

        HindsightServer again = serve(data, key);
        try {
            String base = "http://127.0.0.1:" + again.port();
            JsonNode trail = ok("GET", base + "/api/aggregates/$audit/events", null);
            JsonNode last = trail.get("events").get(trail.get("events").size() - 1);
            assertThat(last.get("event_type").asText()).isEqualTo(Shredder.FORGOTTEN_EVENT);
            assertThat(last.get("event_data").get("key_destroyed").asBoolean()).isTrue();
            assertThat(last.get("metadata").get("user_id").asText()).startsWith("cli:");
            assertThat(last.toString()).doesNotContain(ALICE);
            assertThat(ok("GET", base + "/api/orders/" + order, null)
                            .get("user_id")
                            .asText())
                    .isEqualTo(Shredder.ERASED);
        } finally {
            again.stop();
        }
    }

    @Test
    void forget_withoutMasterKey_answers404() throws Exception {
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs("serve", "--port", "0", "--store", "memory")
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        HindsightServer server = serve.start();
        try {
            CliRun r = CliRun.of("forget", ALICE, "--url", "http://127.0.0.1:" + server.port());
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.err() + r.out()).contains("shredding_disabled");
        } finally {
            server.stop();
        }
    }

    private static void awaitSnapshot(HindsightServer server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (server.registry()
                        .get("hindsight.orders.snapshots.written")
                        .gauge()
                        .value()
                < 1) {
            assertThat(System.nanoTime()).as("a snapshot is written").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void awaitReadModel(String base, String user, int orders) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<JsonNode> found = new ArrayList<>();
            ok("GET", base + "/api/orders?user_id=" + user, null).get("orders").forEach(found::add);
            if (found.size() >= orders) {
                return;
            }
            assertThat(System.nanoTime()).as("the read model catches up").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
