package dev.hindsight.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The stored event's JSON round-trips every field exactly, with or without its position. */
class EventJsonTest {
    private static final RecordedEvent EVENT = new RecordedEvent(
            UUID.fromString("0b8e6f9e-1c77-4a0e-9d2b-5f6f7f3b1a10"),
            "order-ü-1",
            "OrderPlaced",
            2,
            "{\"total\":12.50,\"big\":123456789012345678901234567890,\"items\":[{\"sku\":\"a\"}]}",
            "{\"user_id\":\"u-7\",\"timestamp\":\"2024-05-01T10:00:00.123Z\"}",
            7,
            new Position.Vector(new long[] {0, 18, 0}),
            Instant.parse("2024-05-01T10:00:00.123Z"),
            Instant.parse("2024-05-01T10:00:01Z"));

    @Test
    void toBytesThenRead_withoutPosition_returnsTheSameEventAtTheGivenPosition() {
        byte[] json = EventJson.toBytes(EVENT, false);
        Position other = new Position.Vector(new long[] {0, 18, 0});

        assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("\"position\"");
        assertThat(EventJson.read(json, other)).isEqualTo(EVENT);
    }

    @Test
    void toBytes_withPosition_writesTheWireForm() throws Exception {
        byte[] json = EventJson.toBytes(EVENT, true);

        assertThat(Json.mapper().readTree(json).get("position").asText()).isEqualTo("0:0,1:18,2:0");
        assertThat(EventJson.read(json, EVENT.position())).isEqualTo(EVENT);
    }

    @Test
    void read_notAnEvent_throwsCorruption() {
        assertThatThrownBy(
                        () -> EventJson.read("{\"event_id\":\"x\"}".getBytes(StandardCharsets.UTF_8), Position.START))
                .isInstanceOf(CorruptionException.class);
    }
}
