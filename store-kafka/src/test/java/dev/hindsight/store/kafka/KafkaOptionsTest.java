package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The builder and the withers give the same checked options; no broker needed. */
class KafkaOptionsTest {
    private static final Path DIR = Path.of("/tmp/idx");

    @Test
    void builderSetsEveryComponentAndKeepsTheRestAtTheirDefaults() {
        Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
        KafkaOptions built = KafkaOptions.builder("b:9092", "t", DIR)
                .topic("orders")
                .topicLayout(6, 1, 1)
                .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3))
                .compression("zstd")
                .indexDir(Path.of("/tmp/other"))
                .memtableEvents(10)
                .clock(clock)
                .clientProperties(Map.of("batch.size", "262144"))
                .build();

        assertThat(built)
                .isEqualTo(new KafkaOptions(
                        "b:9092",
                        "orders",
                        6,
                        (short) 1,
                        1,
                        "zstd",
                        Path.of("/tmp/other"),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(3),
                        10,
                        clock,
                        Map.of("batch.size", "262144")));
        assertThat(KafkaOptions.builder("b:9092", "t", DIR).build())
                .isEqualTo(KafkaOptions.defaults("b:9092", "t", DIR));
        assertThat(built.toBuilder().build()).isEqualTo(built);
    }

    @Test
    void withersChangeOnlyTheirComponent() {
        KafkaOptions base = KafkaOptions.defaults("b:9092", "t", DIR);
        KafkaOptions layout = base.withTopicLayout(3, 1, 1);
        assertThat(layout)
                .extracting(
                        KafkaOptions::partitions,
                        KafkaOptions::replicationFactor,
                        KafkaOptions::minInsyncReplicas,
                        KafkaOptions::compression)
                .containsExactly(3, (short) 1, 1, "gzip");
        assertThat(base.withCompression("lz4"))
                .isEqualTo(base.toBuilder().compression("lz4").build());
        assertThat(base.withMemtableEvents(7).memtableEvents()).isEqualTo(7);
        assertThat(base.withIndexDir(Path.of("/x")).indexDir()).isEqualTo(Path.of("/x"));
    }

    @Test
    void clientPropertiesAreCopiedAndReplaced() {
        Map<String, Object> props = new HashMap<>(Map.of("linger.ms", "5"));
        KafkaOptions options = KafkaOptions.defaults("b:9092", "t", DIR).withClientProperties(props);
        props.put("linger.ms", "50");
        assertThat(options.clientProperties()).containsExactly(Map.entry("linger.ms", "5"));
        assertThat(options.withClientProperties(Map.of("acks", "all")).clientProperties())
                .containsExactly(Map.entry("acks", "all"));
    }

    @Test
    void buildChecksTheValues() {
        assertThatThrownBy(() -> KafkaOptions.builder("b", "bad topic", DIR).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad topic");
        assertThatThrownBy(() ->
                        KafkaOptions.builder("b", "t", DIR).topicLayout(0, 1, 1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaOptions.builder("b", "t", DIR).topicLayout(1, 40_000, 1))
                .hasMessageContaining("replication");
    }
}
