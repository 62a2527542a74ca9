package dev.hindsight.aggregate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The timestamp read from an append's metadata: the stored one, or null whenever that is not certain. */
class MetadataTimestampsTest {
    @Test
    void of_topLevelTimestamp_isInstantParse() {
        assertThat(MetadataTimestamps.of(
                        "{\"a\":{\"timestamp\":\"2001-01-01T00:00:00Z\"},\"timestamp\":\"2026-12-06T20:25:47.123456Z\","
                                + "\"list\":[{\"timestamp\":1}],\"correlation_id\":\"c\"}"))
                .isEqualTo(Instant.parse("2026-12-06T20:25:47.123456Z"));
        assertThat(MetadataTimestamps.of("{\"timestamp\":\"2026-12-06T20:25:47.123456789Z\"}"))
                .isEqualTo(Instant.parse("2026-12-06T20:25:47.123456789Z"));
    }

    @Test
    void of_timestampTheStoreFillsInOrRefuses_isNull() {
        assertThat(MetadataTimestamps.of(null)).isNull();
        assertThat(MetadataTimestamps.of("{\"user_id\":\"u\"}")).isNull();
        assertThat(MetadataTimestamps.of("{\"x\":{\"timestamp\":\"2026-12-06T20:25:47Z\"}}"))
                .isNull();
        assertThat(MetadataTimestamps.of("{\"timestamp\":null}")).isNull();
        assertThat(MetadataTimestamps.of("{\"timestamp\":12}")).isNull();
        assertThat(MetadataTimestamps.of("{\"timestamp\":\"yesterday\"}")).isNull();
        assertThat(MetadataTimestamps.of(
                        "{\"timestamp\":\"2026-12-06T20:25:47Z\",\"timestamp\":\"2026-12-06T20:25:48Z\"}"))
                .isNull();
        assertThat(MetadataTimestamps.of("{\"timestamp\":\"2026-12-06T20:25:47Z\""))
                .isNull();
        assertThat(MetadataTimestamps.of("[]")).isNull();
    }
}
