package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --role api} and {@code serve --role read-model} as two real processes over one PostgreSQL store:
 * commands on the api process, the read model projected by the other, read-your-writes with {@code min_position}
 * across them; after a {@code kill -9} of the read-model process and a restart it resumes from its checkpoint and every
 * order's read-model row equals the order replayed from the log.
 */
class RolesIT {
    @TempDir
    Path dir;

    private PostgresRoles roles;

    @BeforeEach
    void start() {
        roles = new PostgresRoles("t_roles_", dir);
    }

    @AfterEach
    void stop() throws Exception {
        roles.close();
    }

    /** Creates an order and pays it on the api; returns its id and the position of its last event. */
    private static String[] createAndPay(String api, int i) throws IOException {
        String id = CliRun.createOrder(api, "u" + (i % 3), "lamp:" + (1 + i % 4) + ":30.00");
        if (i % 2 == 0) {
            json(CliRun.of(
                    "orders",
                    "pay",
                    id,
                    "--payment-id",
                    "pay_" + i,
                    "--amount",
                    (30 * (1 + i % 4)) + ".00",
                    "--url",
                    api));
        }
        JsonNode events = json(CliRun.of("orders", "history", id, "--url", api)).get("events");
        return new String[] {id, events.get(events.size() - 1).get("position").asText()};
    }

    private static Map<String, JsonNode> listAll(String api, String minPosition) throws IOException {
        CliRun list = CliRun.of("orders", "list", "--min-position", minPosition, "--all", "--url", api);
        assertThat(list.exitCode()).as(list.err()).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        for (String line : list.out().lines().toList()) {
            JsonNode row = Json.mapper().readTree(line);
            rows.put(row.get("order_id").asText(), row);
        }
        return rows;
    }

    @Test
    void apiAndReadModelProcesses_readYourWrites_thenKill9AndResume_rowsEqualReplay() throws Exception {
        RoleProcess readModel = roles.serve("read-model");
        assertThat(HttpGet.json(readModel.url() + "/health").get("role").asText())
                .isEqualTo("read-model");
        String api = roles.serve("api").url();

        List<String> ids = new ArrayList<>();
        String last = null;
        for (int i = 0; i < 6; i++) {
            String[] created = createAndPay(api, i);
            ids.add(created[0]);
            last = created[1];
            // read-your-writes across processes: the read-model process has projected this order when the api answers
            JsonNode row = listAll(api, last).get(created[0]);
            assertThat(row)
                    .as("order %s in the read model at %s", created[0], last)
                    .isNotNull();
            assertThat(row.get("status").asText()).isEqualTo(i % 2 == 0 ? "paid" : "created");
        }
        assertThat(HttpGet.json(api + "/api/projections").toString()).contains("remote");

        readModel.kill(); // kill -9
        for (int i = 6; i < 12; i++) {
            String[] created = createAndPay(api, i);
            ids.add(created[0]);
            last = created[1];
        }
        // the api process projects nothing itself: without the read-model process the read model stays behind
        CliRun behind = CliRun.of("orders", "list", "--min-position", last, "--all", "--url", api);
        assertThat(behind.exitCode()).isEqualTo(1);
        assertThat(behind.err() + behind.out()).contains("read_model_behind");
        roles.serve("read-model");

        Map<String, JsonNode> rows = listAll(api, last);
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            JsonNode replayed = json(CliRun.of("orders", "get", id, "--url", api));
            JsonNode row = rows.get(id);
            for (String field : List.of("status", "total_amount", "version", "currency")) {
                assertThat(row.get(field)).as("%s of %s", field, id).isEqualTo(replayed.get(field));
            }
        }
        // verify through the api, whose read model another process applies: a consistent copy, nothing paused
        CliRun verify = CliRun.of("projections", "verify", "orders", "--url", api);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("\"ok\":true");
    }

    @Test
    void splitRoles_onTheFileEngineOrWithArchive_refusedWithAClearMessage() {
        CliRun file =
                CliRun.of("serve", "--port", "0", "--data-dir", dir.resolve("d").toString(), "--role", "api");
        CliRun archive =
                CliRun.of("serve", "--port", "0", "--store", "postgres", "--pg-url", PgTestDb.URL, "--role", "archive");
        CliRun unknown = CliRun.of("serve", "--role", "api,reports");

        assertThat(file.exitCode()).isEqualTo(1);
        assertThat(file.err()).contains("--role api needs --store postgres");
        assertThat(archive.exitCode()).isEqualTo(1);
        assertThat(archive.err()).contains("the archive role applies to the file engine only");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown role 'reports'");
    }
}
