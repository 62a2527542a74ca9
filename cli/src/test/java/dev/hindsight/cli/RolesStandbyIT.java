package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-model lease over the PostgreSQL engine: of two {@code serve --role read-model} processes one projects, the
 * other stands by ({@code /health} says {@code standby}); after a {@code kill -9} of the active one the standby takes
 * over from the committed checkpoint and every order's row equals its replay.
 */
class RolesStandbyIT {
    @TempDir
    Path dir;

    private PostgresRoles roles;

    @BeforeEach
    void start() {
        roles = new PostgresRoles("t_standby_", dir);
    }

    @AfterEach
    void stop() throws Exception {
        roles.close();
    }

    /** Creates an order (paid when {@code i} is even); returns the position of its last event. */
    private static String order(String api, int i, List<String> ids) throws IOException {
        String id = CliRun.createOrder(api, "u" + i, "lamp:1:30.00");
        ids.add(id);
        if (i % 2 == 0) {
            json(CliRun.of("orders", "pay", id, "--payment-id", "pay_" + i, "--amount", "30.00", "--url", api));
        }
        JsonNode events = json(CliRun.of("orders", "history", id, "--url", api)).get("events");
        return events.get(events.size() - 1).get("position").asText();
    }

    private static void assertRowsEqualReplay(String api, List<String> ids, String last) throws IOException {
        CliRun list = CliRun.of("orders", "list", "--min-position", last, "--all", "--url", api);
        assertThat(list.exitCode()).as(list.err()).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        for (String line : list.out().lines().toList()) {
            JsonNode row = Json.mapper().readTree(line);
            rows.put(row.get("order_id").asText(), row);
        }
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            JsonNode replayed = json(CliRun.of("orders", "get", id, "--url", api));
            for (String field : List.of("status", "total_amount", "version")) {
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
    void twoReadModelProcesses_oneStandsBy_takesOverAfterKill9() throws Exception {
        RoleProcess first = roles.serve("read-model");
        awaitHealth(first, "ok");
        RoleProcess second = roles.serve("read-model");
        RoleProcess api = roles.serve("api");
        assertThat(second.health())
                .as("the second read-model process stands by")
                .isEqualTo("standby");

        List<String> ids = new ArrayList<>();
        String last = null;
        for (int i = 0; i < 4; i++) {
            last = order(api.url(), i, ids);
        }
        assertRowsEqualReplay(api.url(), ids, last);

        first.kill();
        awaitHealth(second, "ok");
        for (int i = 4; i < 8; i++) {
            last = order(api.url(), i, ids);
        }
        assertRowsEqualReplay(api.url(), ids, last);
    }
}
