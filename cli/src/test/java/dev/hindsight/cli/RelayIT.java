package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.file.FileCheckpointStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --publish kafka://…} on the file engine, against an in-process 1-broker cluster, and
 * {@code serve --publish rabbitmq-stream://…} and {@code rabbitmq://…} against the local RabbitMQ server: every
 * committed event reaches an ordinary Kafka (or AMQP) consumer in order per aggregate, in the Kafka engine's record
 * format, also when the publishing serve process (a real child JVM) is killed with {@code kill -9} mid-stream and
 * started again ({@link RelayKill9Rounds}: 3 rounds to Kafka, 2 to each RabbitMQ sink, which share the relay loop and
 * differ only in the sink; the suite's time budget); the status endpoint and metrics show the lag.
 */
class RelayIT {
    private static KafkaTestCluster cluster;

    @TempDir
    Path dataDir;

    @TempDir
    Path logs;

    private HindsightServer server;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.shared();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void publish_fileEngine_kill9MidStreamThenRestart_consumerSeesEveryEventInOrder() throws Exception {
        String topic = "relay-kill";
        try (RelayTopicReader reader = new RelayTopicReader(cluster.bootstrapServers(), topic)) {
            kill9MidStreamThenRestart("kafka://" + cluster.bootstrapServers() + "/" + topic, reader, 3);
        }
    }

    /** The same over a RabbitMQ stream: the RabbitMQ server at 127.0.0.1:5672 (./test.sh starts it). */
    @Test
    void publish_fileEngine_toRabbitMqStream_kill9MidStreamThenRestart_consumerSeesEveryEventInOrder()
            throws Exception {
        String stream = "hindsight-relay-it-" + UUID.randomUUID();
        try (RelayStreamReader reader = new RelayStreamReader("127.0.0.1", 5672, stream)) {
            kill9MidStreamThenRestart("rabbitmq://127.0.0.1:5672/" + stream, reader, 2);
        } finally {
            RelayStreamReader.delete("127.0.0.1", 5672, stream);
        }
    }

    /**
     * The same over RabbitMQ's stream protocol (127.0.0.1:5552: ./test.sh enables the {@code rabbitmq_stream} plugin),
     * read by the same AMQP 0-9-1 consumer.
     */
    @Test
    void publish_fileEngine_toRabbitMqStreamProtocol_kill9MidStreamThenRestart_consumerSeesEveryEventInOrder()
            throws Exception {
        String stream = "hindsight-relay-it-" + UUID.randomUUID();
        try (RelayStreamReader reader = new RelayStreamReader("127.0.0.1", 5672, stream)) {
            kill9MidStreamThenRestart("rabbitmq-stream://127.0.0.1:5552/" + stream, reader, 2);
        } finally {
            RelayStreamReader.delete("127.0.0.1", 5672, stream);
        }
    }

    /** {@code rounds} {@link RelayKill9Rounds rounds} of kill -9 of a {@code serve --data-dir … --publish url}. */
    private void kill9MidStreamThenRestart(String url, RelayReader reader, int rounds) throws Exception {
        try (RelayKill9Rounds kill9Rounds = new RelayKill9Rounds(
                List.of("serve", "--data-dir", dataDir.toString()), logs.resolve("serve.err"), this::appendRound)) {
            kill9Rounds.run(rounds, url, reader);
        }
    }

    /** Appends a round of events to the (unlocked) file store, as the serve process would have. */
    private void appendRound(int round, Map<String, List<String>> expected) {
        try (EventStore store = EventStore.of(
                FileEventLog.open(FileLogOptions.defaults(dataDir).withFsync(FsyncPolicy.parse("never"))))) {
            RelayKill9Rounds.appendRound(store, round, expected);
        }
    }

    @Test
    void publish_fileEngine_statusEndpointMetricsAndCheckpointInTheDataDir() throws Exception {
        String topic = "relay-status";
        server = Hindsight.commandLine()
                .parseArgs(
                        "serve",
                        "--port",
                        "0",
                        "--data-dir",
                        dataDir.toString(),
                        "--publish",
                        "kafka://" + cluster.bootstrapServers() + "/" + topic)
                .subcommand()
                .commandSpec()
                .commandLine()
                .<ServeCommand>getCommand()
                .start();
        String url = "http://127.0.0.1:" + server.port();
        for (int i = 1; i <= 5; i++) {
            CliRun r = CliRun.of("append", "order-9", "-t", "Ticked", "-d", "{\"n\":" + i + "}", "--url", url);
            assertThat(r.exitCode()).as(r.err()).isZero();
        }

        try (RelayTopicReader reader = new RelayTopicReader(cluster.bootstrapServers(), topic)) {
            assertThat(reader.pollUntil(ids -> ids.size() == 5, Duration.ofSeconds(60)))
                    .isTrue();
            RelayTopicReader.Seen first = reader.all().getFirst();
            assertThat(first.aggregateId()).isEqualTo("order-9");
            assertThat(first.eventType()).isEqualTo("Ticked");
            JsonNode value = Json.mapper().readTree(first.value());
            assertThat(value.get("event_id").asText()).isEqualTo(first.eventId());
            assertThat(value.get("event_data").get("n").asInt()).isEqualTo(1);
            assertThat(value.has("position")).isFalse();
        }
        JsonNode status = awaitCaughtUp(url, 5);
        assertThat(status.get("target").asText()).isEqualTo("kafka://" + cluster.bootstrapServers() + "/" + topic);
        assertThat(status.get("lag_ms").asLong()).isZero();
        assertThat(status.get("last_error").isNull()).isTrue();
        assertThat(status.get("failures").asLong()).isZero();
        String metrics = HttpGet.text(url + "/metrics");
        assertThat(metrics)
                .contains(
                        "hindsight_relay_lag_events 0.0",
                        "hindsight_relay_published_total 5.0",
                        "hindsight_relay_failures_total 0.0");
        assertThat(metrics).contains("hindsight_relay_publish_latency_seconds");
        assertThat(HttpGet.text(url + "/api/openapi.json")).contains("/api/relay", "RelayStatus");
        server.stop();
        server = null;
        try (FileCheckpointStore checkpoints = FileCheckpointStore.open(dataDir.resolve("checkpoints"))) {
            assertThat(checkpoints.load("kafka-relay:" + topic)).contains(Position.of(5));
        }
    }

    private static JsonNode awaitCaughtUp(String url, long events) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode status = HttpGet.json(url + "/api/relay");
            if (status.get("lag_events").asLong() == 0
                    && status.get("published_events").asLong() == events) {
                return status;
            }
            assertThat(System.nanoTime()).as("relay caught up: %s", status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
