package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.relay.OutboxRelay;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.relay.rabbitmq.RabbitMqSink;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox relay on the PostgreSQL engine when the store fails while the relay recovers from a failed publish (the
 * database down for longer than its retry time, here its {@code checkpoints} table gone for a moment): the relay keeps
 * retrying and publishes again once both are back, as it does after any other failure.
 */
class RelayStoreOutageIT {
    private static final String HOST = "127.0.0.1";
    private static final int PORT = 5672;

    private final String schema =
            "t_relay_outage_" + UUID.randomUUID().toString().substring(0, 8);
    private final String stream = "hindsight-relay-outage-it-" + UUID.randomUUID();

    @AfterEach
    void cleanUp() throws Exception {
        PgTestDb.dropStoreSchemas(schema);
        RelayStreamReader.delete(HOST, PORT, stream);
    }

    @Test
    void publish_storeFailsWhileTheRelayRecoversFromASinkFailure_resumesOnceBothAreBack() throws Exception {
        PostgresOptions pg = PostgresOptions.defaults(PgTestDb.URL)
                .withCredentials(PgTestDb.USER, PgTestDb.PASSWORD)
                .withSchema(schema)
                .withPoolSize(4)
                .withRetryFor(Duration.ofMillis(200));
        RelayTarget target = RelayTarget.parse("rabbitmq://" + HOST + ":" + PORT + "/" + stream);
        try (PostgresEventLog log = PostgresEventLog.open(pg);
                PostgresCheckpointStore checkpoints =
                        PostgresCheckpointStore.open(log.dataSource(), pg.withMigrate(false));
                OutboxRelay relay = OutboxRelay.start(
                        log, checkpoints, target, RabbitMqSink.factory(target), Clock.systemUTC(), ms -> {})) {
            String first = append(log, "a-1");
            try (RelayStreamReader reader = new RelayStreamReader(HOST, PORT, stream)) {
                assertThat(reader.pollUntil(ids -> ids.contains(first), Duration.ofSeconds(30)))
                        .as("published before the outage")
                        .isTrue();
            }

            // the store fails, then the sink fails (its stream is gone): the relay's recovery meets the failing store
            sql("ALTER TABLE " + schema + ".checkpoints RENAME TO checkpoints_away");
            RelayStreamReader.delete(HOST, PORT, stream);
            String during = append(log, "a-2");
            Thread.sleep(1_500);

            // both back
            sql("ALTER TABLE " + schema + ".checkpoints_away RENAME TO checkpoints");
            declareStream();
            String after = append(log, "a-3");
            try (RelayStreamReader reader = new RelayStreamReader(HOST, PORT, stream)) {
                assertThat(reader.pollUntil(ids -> ids.containsAll(List.of(during, after)), Duration.ofSeconds(20)))
                        .as("published after the outage (relay status: %s)", relay.status())
                        .isTrue();
            }
        }
    }

    private static String append(PostgresEventLog log, String aggregate) {
        UUID id = UUID.randomUUID();
        log.append(
                aggregate,
                ExpectedVersion.ANY,
                List.of(new ProposedEvent(id, aggregate, "Ticked", 1, "{}", "{}", Instant.now(), true)));
        return id.toString();
    }

    private static void sql(String statement) throws Exception {
        try (java.sql.Connection c = PgTestDb.connect();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private void declareStream() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(HOST);
        f.setPort(PORT);
        try (Connection c = f.newConnection("hindsight-relay-outage-it");
                Channel ch = c.createChannel()) {
            ch.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream"));
        }
    }
}
