package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** The orders read model as {@code hindsight orders list --all} shows it through an api process. Stateless. */
final class ReadModelRows {
    private ReadModelRows() {}

    /**
     * Every row, by order id, once the read model covers {@code minPosition} (read-your-writes); asserts one row per
     * order.
     */
    static Map<String, JsonNode> listAll(String api, String minPosition) throws IOException {
        CliRun list = CliRun.of("orders", "list", "--min-position", minPosition, "--all", "--url", api);
        assertThat(list.exitCode()).as(list.err()).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        for (String line : list.out().lines().toList()) {
            JsonNode row = Json.mapper().readTree(line);
            assertThat(rows.put(row.get("order_id").asText(), row))
                    .as("one row per order")
                    .isNull();
        }
        return rows;
    }
}
