package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.store.kafka.KafkaTestCluster;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store postgres --publish kafka://…}: the relay publishes every event in order and keeps its
 * checkpoint in the store's {@code checkpoints} table; a second server on the same store resumes from it instead of
 * publishing everything again. {@code --publish rabbitmq-stream://…}: no event is missing after {@code kill -9} of the
 * publishing server (a child JVM).
 */
class RelayPostgresIT {
    private static final String URL = PgTestDb.URL;
    private static final String USER = PgTestDb.USER;
    private static final String PASSWORD = PgTestDb.PASSWORD;

    private final String schema = "t_relay_" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path dir;

    private HindsightServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    private String serve(String topic) throws Exception {
        server = PgTestDb.serve(
                schema, "--publish", "kafka://" + KafkaTestCluster.shared().bootstrapServers() + "/" + topic);
        return "http://127.0.0.1:" + server.port();
    }

    private static void append(String url, String aggregate, int n) {
        CliRun r = CliRun.of("append", aggregate, "-t", "Ticked", "-d", "{\"n\":" + n + "}", "--url", url);
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    @Test
    void publish_postgres_inOrder_checkpointInTheTable_resumedByTheNextServer() throws Exception {
        // the shared 1-broker cluster (closed at the end of the test plan); a topic of this test's own
        KafkaTestCluster cluster = KafkaTestCluster.shared();
        String topic = "relay-pg-" + schema;
        String url = serve(topic);
        for (int i = 1; i <= 10; i++) {
            append(url, "order-" + (i % 3), i);
        }
        try (RelayTopicReader reader = new RelayTopicReader(cluster.bootstrapServers(), topic)) {
            assertThat(reader.pollUntil(ids -> ids.size() == 10, Duration.ofSeconds(60)))
                    .isTrue();
            awaitLagZero(url);
            // the checkpoint is the head: every committed event is acknowledged
            awaitCheckpoint(topic, server.store().head().toString());
            server.stop();
            server = null;

            String again = serve(topic);
            for (int i = 11; i <= 15; i++) {
                append(again, "order-" + (i % 3), i);
            }
            assertThat(reader.pollUntil(ids -> ids.size() == 15, Duration.ofSeconds(60)))
                    .isTrue();
            awaitLagZero(again);
            // resumed from the checkpoint: nothing was published twice
            assertThat(reader.all()).hasSize(15);
            awaitCheckpoint(topic, server.store().head().toString());
            List<Long> order0 = new ArrayList<>();
            reader.all().stream().filter(s -> s.aggregateId().equals("order-0")).forEach(s -> order0.add(s.version()));
            assertThat(order0).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
    }

    /**
     * {@code serve --store postgres --publish rabbitmq-stream://…} killed with {@code kill -9} mid-stream and started
     * again, over 2 rounds: the consumer sees every committed event, each aggregate in order (the same scenario as
     * {@code RelayIT} on the file engine; the checkpoint is the row in the schema's {@code checkpoints} table).
     */
    @Test
    void publish_postgres_toRabbitMqStream_kill9MidStreamThenRestart_consumerSeesEveryEventInOrder() throws Exception {
        String stream = "hindsight-relay-pg-it-" + UUID.randomUUID();
        PostgresOptions options =
                PostgresOptions.defaults(URL).withCredentials(USER, PASSWORD).withSchema(schema);
        List<String> serveArgs = new ArrayList<>(List.of("serve", "--store", "postgres"));
        serveArgs.addAll(PgTestDb.storeArgs(schema));
        try (EventStore store = EventStore.of(PostgresEventLog.open(options));
                RelayStreamReader reader = new RelayStreamReader("127.0.0.1", 5672, stream);
                RelayKill9Rounds rounds = new RelayKill9Rounds(
                        serveArgs,
                        dir.resolve("serve.err"),
                        (round, expected) -> RelayKill9Rounds.appendRound(store, round, expected))) {
            rounds.run(2, "rabbitmq-stream://127.0.0.1:5552/" + stream, reader);
        } finally {
            RelayStreamReader.delete("127.0.0.1", 5672, stream);
        }
    }

    private static void awaitLagZero(String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode status = HttpGet.json(url + "/api/relay");
            if (status.get("lag_events").asLong() == 0) {
                return;
            }
            assertThat(System.nanoTime()).as("relay caught up: %s", status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The checkpoint follows the acknowledgements within moments (it is saved at most every 50 ms). */
    private void awaitCheckpoint(String topic, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!checkpoint(topic).equals(expected)) {
            assertThat(System.nanoTime()).as("checkpoint reaches %s", expected).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private String checkpoint(String topic) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                PreparedStatement ps =
                        c.prepareStatement("SELECT position FROM " + schema + ".checkpoints WHERE name = ?")) {
            ps.setString(1, "kafka-relay:" + topic);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }
}
