package dev.hindsight.orders;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The metadata JSON written without a tree: well-formed and escaped whatever the caller's ids contain. */
class OrderMetadataTest {
    private static final Instant T = Instant.parse("2026-05-01T10:00:00.123456Z");

    @Test
    void metadata_escapesIdsAndKeepsTheFieldOrder() {
        String weird = "a \"quoted\" \\ back\nslash\u0001\u00e9\u20ac\ud83d\ude00";

        String text = OrderService.metadata(T, new OrderService.Caller(weird, "c\"1"));

        ObjectNode m = Json.parseObject(text, "metadata");
        assertThat(m.get("timestamp").asText()).isEqualTo("2026-05-01T10:00:00.123456Z");
        assertThat(m.get("user_id").asText()).isEqualTo(weird);
        assertThat(m.get("correlation_id").asText()).isEqualTo("c\"1");
        assertThat(text).startsWith("{\"timestamp\":");
    }

    @Test
    void metadata_withoutUser_hasNoUserField() {
        String text = OrderService.metadata(T, new OrderService.Caller(null, "c1"));

        assertThat(text).isEqualTo("{\"timestamp\":\"2026-05-01T10:00:00.123456Z\",\"correlation_id\":\"c1\"}");
    }
}
