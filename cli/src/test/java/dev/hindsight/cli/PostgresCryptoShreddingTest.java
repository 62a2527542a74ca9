package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.server.HindsightServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding end to end on PostgreSQL: after {@code forget}, no row of any table of the store's schema or its
 * read-model schema holds the customer's personal values (every row as text, bytea as hex too), nor does the export;
 * reads show them erased. Database from {@code HINDSIGHT_PG_URL} / {@code _USER} / {@code _PASSWORD}.
 */
class PostgresCryptoShreddingTest {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;
    private static final String ALICE = "alice-pg-5v7r2n";
    private static final String NOTE = "leave with neighbour at 3 Oak Road";

    private final String schema = "t_shred_" + UUID.randomUUID().toString().substring(0, 8);
    private HindsightServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stopAndDropSchema() throws SQLException {
        if (server != null) {
            server.stop();
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    @Test
    void forget_postgresStore_leavesNoPersonalValueInAnyRow() throws Exception {
        forgetEndToEnd();
    }

    @Test
    void forget_inlineProjections_readModelGetsDecryptedValuesThenErased() throws Exception {
        forgetEndToEnd("--inline-projections");
    }

    @Test
    void forgetOffline_postgres_deletesKeyAndErasesReadModel() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        server = serve(key);
        String base = "http://127.0.0.1:" + server.port();
        String order = createOrder(base, ALICE);
        awaitReadModel(base, 1);
        server.stop();
        server = null;
        assertThat(rowsContaining(ALICE)).isNotEmpty();

        CliRun forgot = CliRun.of(
                "forget",
                ALICE,
                "--pg-url",
                URL,
                "--pg-user",
                USER,
                "--pg-password",
                PASSWORD,
                "--pg-schema",
                schema,
                "--master-key-file",
                key.toString());
        assertThat(forgot.exitCode()).as(forgot.err()).isZero();
        assertThat(forgot.out()).contains("\"key_destroyed\":true");
        assertThat(rowsContaining(ALICE)).isEmpty();
        server = serve(key);
        assertThat(ok("GET", "http://127.0.0.1:" + server.port() + "/api/orders/" + order, null)
                        .get("user_id")
                        .asText())
                .isEqualTo(Shredder.ERASED);
    }

    private HindsightServer serve(Path key, String... extra) {
        List<String> args = new ArrayList<>(List.of("--master-key-file", key.toString()));
        args.addAll(List.of(extra));
        return PgTestDb.serve(schema, args.toArray(String[]::new));
    }

    private void forgetEndToEnd(String... extra) throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        server = serve(key, extra);
        String base = "http://127.0.0.1:" + server.port();
        String paid = createOrder(base, ALICE);
        ok(
                "POST",
                base + "/api/orders/" + paid + "/pay",
                "{\"payment_id\":\"pay-9\",\"amount\":39.80,\"payment_method\":\"card\"}");
        String cancelled = createOrder(base, ALICE);
        ok("POST", base + "/api/orders/" + cancelled + "/cancel", "{\"reason\":\"" + NOTE + "\"}");
        awaitReadModel(base, 2);
        awaitSnapshot(paid);
        CliRun exported = CliRun.of("export", "--url", base);
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        Path export = Files.writeString(dir.resolve("export.jsonl"), exported.out(), StandardCharsets.UTF_8);
        assertThat(rowsContaining(ALICE))
                .as("the read model holds the id in clear before forget")
                .isNotEmpty();

        CliRun forgot = CliRun.of("forget", ALICE, "--url", base);
        assertThat(forgot.exitCode()).as(forgot.err()).isZero();
        assertThat(Json.mapper().readTree(forgot.out()).get("key_destroyed").asBoolean())
                .isTrue();

        JsonNode order = ok("GET", base + "/api/orders/" + paid, null);
        assertThat(order.get("user_id").asText()).isEqualTo(Shredder.ERASED);
        assertThat(order.get("status").asText()).isEqualTo("paid");
        assertThat(ok("GET", base + "/api/orders/" + cancelled, null)
                        .get("cancel_reason")
                        .asText())
                .isEqualTo(Shredder.ERASED);
        assertThat(ok("GET", base + "/api/aggregates/$audit/events", null).toString())
                .contains("SubjectForgotten")
                .doesNotContain(ALICE);

        assertThat(rowsContaining(ALICE)).isEmpty();
        assertThat(rowsContaining(NOTE)).isEmpty();
        assertThat(Files.readString(export)).doesNotContain(ALICE, NOTE).contains("enc:v1:");
        assertThat(storedSnapshots(paid))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.state()).doesNotContain(ALICE).contains("enc:v1:"));
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
            assertThat(System.nanoTime()).as("a snapshot is written").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void awaitReadModel(String base, int orders) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ok("GET", base + "/api/orders?user_id=" + ALICE, null)
                        .get("orders")
                        .size()
                < orders) {
            assertThat(System.nanoTime()).as("the read model catches up").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
