package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --publish} is refused, with a message saying why and before anything is opened, where it does not
 * apply: on the Kafka engine (the topic already is the log) and on the in-memory store (no durable checkpoint).
 */
class RelayRefusalTest {
    @TempDir
    Path dir;

    @Test
    void publish_onTheKafkaEngine_refusedBecauseTheTopicIsTheLog() {
        Path data = dir.resolve("data");
        CliRun r = CliRun.of(
                "serve",
                "--port",
                "0",
                "--store",
                "kafka",
                "--kafka-bootstrap",
                "127.0.0.1:1",
                "--data-dir",
                data.toString(),
                "--publish",
                "kafka://127.0.0.1:1/events");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .contains("--publish applies to the file and PostgreSQL engines")
                .contains("with --store kafka the topic already is the log");
        assertThat(r.out()).isEmpty();
        assertThat(Files.exists(data)).isFalse();
    }

    @Test
    void publish_onTheMemoryStore_refusedForWantOfADurableCheckpoint() {
        CliRun r = CliRun.of("serve", "--port", "0", "--store", "memory", "--publish", "kafka://127.0.0.1:1/events");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--publish needs a durable store");
    }
}
