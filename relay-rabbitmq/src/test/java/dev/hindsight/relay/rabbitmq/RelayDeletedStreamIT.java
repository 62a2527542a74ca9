package dev.hindsight.relay.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.relay.OutboxRelay;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.testkit.InMemoryCheckpointStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's target stream deleted while it runs (local RabbitMQ, as {@link RabbitMqSinksIT}): the relay must not
 * count what it sends after that as published, must say why in its status, naming the stream, within seconds, must not
 * create the stream again by itself (consumers would get a stream starting at the checkpoint), and must resume from its
 * checkpoint once the stream exists again; over both protocols. Measured here: the failure shows within 20 ms over
 * AMQP, and 20 ms to 5 s over the stream protocol (when the client notices the deletion; about a second when the client
 * forgot the messages it had queued, which the relay then learns from the sink's {@link RelaySink#verify}).
 */
class RelayDeletedStreamIT {
    private static final String HOST = LocalRabbitMq.HOST;
    private final LocalRabbitMq rabbit = new LocalRabbitMq("hindsight-deleted-stream-it");

    @AfterEach
    void deleteStreams() throws Exception {
        rabbit.deleteStreams();
    }

    @Test
    void streamProtocol_streamDeletedWhileRunning_failsLoudlyThenResumesWhenItExistsAgain() throws Exception {
        String stream = rabbit.stream();
        RelayTarget target = RelayTarget.parse("rabbitmq-stream://" + HOST + ":5552/" + stream);
        deleteWhileRunning(target, RabbitStreamSink.factory(target), stream);
    }

    @Test
    void amqp_streamDeletedWhileRunning_failsLoudlyThenResumesWhenItExistsAgain() throws Exception {
        String stream = rabbit.stream();
        RelayTarget target = RelayTarget.parse("rabbitmq://" + HOST + ":5672/" + stream);
        deleteWhileRunning(target, RabbitMqSink.factory(target), stream);
    }

    /**
     * The stream sink's answer to the relay's question while it waits for confirmations: the client forgets the
     * messages it had queued (not yet in a frame) when it notices the deletion, so the sink asks the broker. Before, a
     * deletion noticed in that 5-ms window left the relay waiting 30 s for a bare {@code TimeoutException} (about one
     * run in seven of the test above in a full suite).
     */
    @Test
    void streamProtocol_verify_saysTheStreamIsGoneOnlyOnceItIs() throws Exception {
        String stream = rabbit.stream();
        RelayTarget target = RelayTarget.parse("rabbitmq-stream://" + HOST + ":5552/" + stream);
        InMemoryEventLog log = new InMemoryEventLog();
        append(EventStore.of(log), "a", 1);
        try (RelaySink sink = RabbitStreamSink.factory(target).open()) {
            sink.prepare();
            sink.send(log.readAll(log.start(), 1, EventFilter.ALL).events().getFirst())
                    .get(10, TimeUnit.SECONDS);
            sink.verify(); // the stream exists: nothing to say

            try (Connection c = LocalRabbitMq.factory().newConnection("hindsight-deleted-stream-it");
                    Channel ch = c.createChannel()) {
                ch.queueDelete(stream);
            }
            assertThatThrownBy(sink::verify)
                    .isInstanceOf(IOException.class)
                    .hasMessage("the stream " + stream + " on " + HOST + ":5552 does not exist (was it deleted?): "
                            + "RabbitMQ will not confirm the messages sent to it");
        }
    }

    private void deleteWhileRunning(RelayTarget target, RelaySink.Factory sinks, String stream) throws Exception {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = EventStore.of(log);
        try (OutboxRelay relay = OutboxRelay.start(
                log, new InMemoryCheckpointStore(), target, sinks, Clock.systemUTC(), latency -> {})) {
            append(store, "a", 3);
            await("the first events published", () -> relay.status().published().equals(log.head()));
            assertThat(messages(stream)).isEqualTo(3);

            try (Connection c = LocalRabbitMq.factory().newConnection("hindsight-deleted-stream-it");
                    Channel ch = c.createChannel()) {
                ch.queueDelete(stream);
            }
            Position before = relay.status().published();
            append(store, "b", 2);
            long failingSince = System.nanoTime();
            await("a failure in the status", () -> relay.status().lastError() != null);
            long failedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failingSince);
            OutboxRelay.Status failing = relay.status();
            System.out.printf("%s: failure reported after %d ms: %s%n", target, failedAfterMillis, failing.lastError());
            assertThat(failing.lastError()).as("the status names the stream").contains(stream);
            assertThat(failing.published()).as("nothing counted as published").isEqualTo(before);
            assertThat(failing.lagEvents()).isEqualTo(2);
            assertThat(failing.failures()).as("failures counted").isPositive();
            assertThat(failedAfterMillis).as("reported within seconds").isLessThan(10_000);
            Thread.sleep(3_000); // several retries: still failing, still not counted, the stream not re-created
            assertThat(relay.status().published()).isEqualTo(before);
            assertThat(relay.status().lastError()).contains(stream);
            assertThat(relay.failures()).as("each retry fails again").isGreaterThan(failing.failures());
            System.out.printf("%s: after 3 s: %s%n", target, relay.status().lastError());

            try (Connection c = LocalRabbitMq.factory().newConnection("hindsight-deleted-stream-it");
                    Channel ch = c.createChannel()) {
                ch.queueDeclare(stream, true, false, false, Map.of("x-queue-type", "stream"));
            }
            await(
                    "resumed after the stream exists again",
                    () -> relay.status().published().equals(log.head()));
            assertThat(relay.status().lastError()).isNull();
            assertThat(messages(stream)).as("the events after the checkpoint").isEqualTo(2);
        }
    }

    private static void append(EventStore store, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            store.append(prefix + "-" + i, ExpectedVersion.ANY, EventData.of("Happened", "{\"i\":" + i + "}"));
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Messages in the stream (its committed offsets), from an AMQP 0-9-1 consumer at its first offset. */
    private static int messages(String stream) throws Exception {
        java.util.concurrent.BlockingQueue<Object> arrived = new java.util.concurrent.LinkedBlockingQueue<>();
        try (Connection c = LocalRabbitMq.factory().newConnection("hindsight-deleted-stream-it-reader");
                Channel ch = c.createChannel()) {
            ch.basicQos(100);
            ch.basicConsume(
                    stream,
                    false,
                    Map.of("x-stream-offset", "first"),
                    (tag, d) -> {
                        arrived.add(d);
                        ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
                    },
                    tag -> {});
            int n = 0;
            while (arrived.poll(1_000, TimeUnit.MILLISECONDS) != null) {
                n++;
            }
            return n;
        }
    }
}
