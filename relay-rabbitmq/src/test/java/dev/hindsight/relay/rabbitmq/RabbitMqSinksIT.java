package dev.hindsight.relay.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both RabbitMQ sinks against the local RabbitMQ server (127.0.0.1, AMQP 5672 and stream protocol 5552; ./test.sh
 * starts it and enables {@code rabbitmq_stream}): the same events published over the stream protocol and over AMQP
 * 0-9-1 reach an ordinary AMQP 0-9-1 consumer as the same messages, in order.
 */
class RabbitMqSinksIT {
    private static final String HOST = LocalRabbitMq.HOST;
    private final LocalRabbitMq rabbit = new LocalRabbitMq("hindsight-sinks-it");

    @AfterEach
    void deleteStreams() throws Exception {
        rabbit.deleteStreams();
    }

    @Test
    void send_sameEventsOverBothProtocols_amqpConsumerSeesTheSameMessagesInOrder() throws Exception {
        List<RecordedEvent> events = List.of(
                event("order-1", 1, "OrderPlaced", "{\"sku\":\"A-1\",\"qty\":2}", "2026-12-06T20:41:07.123Z"),
                event("order-1", 2, "OrderPaid", "{\"amount\":4200}", "2026-12-06T20:41:08.999Z"),
                // names and a body past 255 bytes take AMQP 1.0's 32-bit string and binary forms
                event(
                        "x".repeat(300),
                        7,
                        "T".repeat(256),
                        "{\"s\":\"" + "é".repeat(400) + "\"}",
                        "2026-12-06T20:41:09Z"));

        List<Delivered> overStreamProtocol = publishAndRead("rabbitmq-stream://" + HOST + ":5552/", events);
        List<Delivered> overAmqp = publishAndRead("rabbitmq://" + HOST + ":5672/", events);

        assertThat(overStreamProtocol).isEqualTo(overAmqp);
        Delivered first = overStreamProtocol.getFirst();
        assertThat(first.messageId()).isEqualTo(events.getFirst().eventId().toString());
        assertThat(first.contentType()).isEqualTo("application/json");
        assertThat(first.deliveryMode()).isEqualTo(2);
        assertThat(first.timestampSeconds())
                .isEqualTo(Instant.parse("2026-12-06T20:41:07Z").getEpochSecond());
        assertThat(first.headers()) // and x-stream-offset, which the broker adds for stream consumers
                .containsAllEntriesOf(Map.of("aggregate_id", "order-1", "event_type", "OrderPlaced", "version", "1"));
        assertThat(first.headerTypes().get("version")).isEqualTo(Long.class.getName());
        assertThat(first.body()).contains("\"event_data\":{\"sku\":\"A-1\",\"qty\":2}");
        assertThat(overStreamProtocol.get(2).headers()).containsEntry("aggregate_id", "x".repeat(300));
        assertThat(overStreamProtocol.get(2).body()).contains("é".repeat(400));
    }

    @Test
    void prepare_streamExists_keepsItsMessages() throws Exception {
        RecordedEvent e = event("order-2", 1, "OrderPlaced", "{}", "2026-12-06T20:42:00Z");
        String stream = rabbit.stream();
        RelayTarget target = RelayTarget.parse("rabbitmq-stream://" + HOST + ":5552/" + stream);
        for (int i = 0; i < 2; i++) {
            try (RelaySink sink = RabbitStreamSink.factory(target).open()) {
                sink.prepare();
                sink.send(e).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(read(stream, 2)).hasSize(2);
    }

    @Test
    void send_streamMissing_failsInsteadOfCountingAsPublished() throws Exception {
        // the broker confirms a message no queue took (deleted stream, failed declare): it is stored nowhere
        RecordedEvent e = event("order-3", 1, "OrderPlaced", "{}", "2026-12-06T20:43:00Z");
        RelayTarget target = RelayTarget.parse("rabbitmq://" + HOST + ":5672/" + rabbit.stream());
        try (RelaySink sink = RabbitMqSink.factory(target).open()) {
            Future<?> ack = sink.send(e); // no prepare(): the stream does not exist
            assertThatThrownBy(() -> ack.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("to no queue");
        }
    }

    /** What an AMQP 0-9-1 consumer sees of a message: header values as text, and their types apart. */
    private record Delivered(
            String messageId,
            String contentType,
            Integer deliveryMode,
            long timestampSeconds,
            Map<String, String> headers,
            Map<String, String> headerTypes,
            String body) {}

    private List<Delivered> publishAndRead(String targetPrefix, List<RecordedEvent> events) throws Exception {
        String stream = rabbit.stream();
        RelayTarget target = RelayTarget.parse(targetPrefix + stream);
        RelaySink.Factory sinks = target.kind() == RelayTarget.Kind.RABBITMQ
                ? RabbitMqSink.factory(target)
                : RabbitStreamSink.factory(target);
        try (RelaySink sink = sinks.open()) {
            sink.prepare();
            List<Future<?>> acks = new ArrayList<>();
            for (RecordedEvent e : events) {
                acks.add(sink.send(e));
            }
            sink.flush();
            for (Future<?> f : acks) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        return read(stream, events.size());
    }

    /** Reads {@code n} messages from the start of {@code stream} with an AMQP 0-9-1 stream consumer. */
    private static List<Delivered> read(String stream, int n) throws Exception {
        BlockingQueue<Delivered> arrived = new LinkedBlockingQueue<>();
        try (Connection c = LocalRabbitMq.factory().newConnection("hindsight-sinks-it-reader");
                Channel ch = c.createChannel()) {
            ch.basicQos(100);
            ch.basicConsume(
                    stream,
                    false,
                    Map.of("x-stream-offset", "first"),
                    (tag, d) -> {
                        arrived.add(delivered(d.getProperties(), d.getBody()));
                        ch.basicAck(d.getEnvelope().getDeliveryTag(), false);
                    },
                    tag -> {});
            List<Delivered> out = new ArrayList<>();
            while (out.size() < n) {
                Delivered d = arrived.poll(30, TimeUnit.SECONDS);
                assertThat(d).as("message %d of %s", out.size() + 1, stream).isNotNull();
                out.add(d);
            }
            assertThat(arrived.poll(500, TimeUnit.MILLISECONDS))
                    .as("no more messages")
                    .isNull();
            return out;
        }
    }

    private static Delivered delivered(AMQP.BasicProperties p, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        p.getHeaders().forEach((k, v) -> {
            headers.put(k, String.valueOf(v));
            types.put(k, v.getClass().getName());
        });
        return new Delivered(
                p.getMessageId(),
                p.getContentType(),
                p.getDeliveryMode(),
                p.getTimestamp().toInstant().getEpochSecond(),
                headers,
                types,
                new String(body, StandardCharsets.UTF_8));
    }

    private static RecordedEvent event(String aggregate, long version, String type, String data, String at) {
        Instant t = Instant.parse(at);
        return new RecordedEvent(
                UUID.randomUUID(),
                aggregate,
                type,
                1,
                data,
                "{\"timestamp\":\"" + at + "\"}",
                version,
                Position.of(version),
                t,
                t);
    }
}
