package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.internal.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The record format, a public contract: partitioning, key, headers and value as documented. */
class RecordCodecTest {
    @Test
    void partitionOf_isKafkasDefaultPartitionerOfTheUtf8Key() {
        Random random = new Random(13);
        for (int i = 0; i < 1000; i++) {
            String aggregate = "order-" + Long.toHexString(random.nextLong()) + (i % 7 == 0 ? "-ü" : "");
            int partitions = 1 + random.nextInt(64);
            assertThat(RecordCodec.partitionOf(aggregate, partitions))
                    .isEqualTo(
                            BuiltInPartitioner.partitionForKey(aggregate.getBytes(StandardCharsets.UTF_8), partitions));
        }
    }

    @Test
    void encodeThenDecode_roundTripsTheEventWithHeadersAndPosition() {
        Instant ts = Instant.parse("2024-05-01T10:00:00Z");
        ProposedEvent p = new ProposedEvent(
                UUID.randomUUID(),
                "order-1",
                "OrderPlaced",
                1,
                "{\"total\":4200}",
                "{\"timestamp\":\"" + ts + "\"}",
                ts,
                false);
        Instant recordedAt = Instant.parse("2024-05-01T10:00:02Z");

        ProducerRecord<byte[], byte[]> out = RecordCodec.encode("events", 2, p, 5, recordedAt);
        ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>(
                "events",
                2,
                41,
                recordedAt.toEpochMilli(),
                TimestampType.CREATE_TIME,
                out.key().length,
                out.value().length,
                out.key(),
                out.value(),
                out.headers(),
                java.util.Optional.empty());
        RecordedEvent e = RecordCodec.decode(in, 3);

        assertThat(new String(out.key(), StandardCharsets.UTF_8)).isEqualTo("order-1");
        assertThat(out.partition()).isEqualTo(2);
        assertThat(out.timestamp()).isEqualTo(recordedAt.toEpochMilli());
        assertThat(RecordCodec.version(in)).isEqualTo(5);
        assertThat(RecordCodec.eventId(in)).isEqualTo(p.eventId());
        assertThat(new String(out.headers().lastHeader("event_type").value(), StandardCharsets.UTF_8))
                .isEqualTo("OrderPlaced");
        assertThat(e.position().toString()).isEqualTo("0:0,1:0,2:42");
        assertThat(e.version()).isEqualTo(5);
        assertThat(e.recordedAt()).isEqualTo(recordedAt);
        assertThat(e.sameContentAs(p)).isTrue();
        assertThat(e.metadata()).isEqualTo(p.metadata());
    }

    @Test
    void encodeStoredEvent_isTheEnginesRecordOfTheSameEvent() {
        Instant ts = Instant.parse("2024-05-01T10:00:00Z");
        Instant recordedAt = Instant.parse("2024-05-01T10:00:02Z");
        ProposedEvent p =
                new ProposedEvent(UUID.randomUUID(), "order-7", "OrderPaid", 1, "{\"amount\":30}", "{}", ts, false);
        RecordedEvent stored = new RecordedEvent(
                p.eventId(),
                "order-7",
                "OrderPaid",
                1,
                "{\"amount\":30}",
                "{}",
                3,
                dev.hindsight.core.Position.of(99),
                ts,
                recordedAt);

        ProducerRecord<byte[], byte[]> relayed = RecordCodec.encode("events", stored);
        ProducerRecord<byte[], byte[]> engine = RecordCodec.encode("events", 1, p, 3, recordedAt);

        assertThat(relayed.partition()).isNull();
        assertThat(relayed.key()).isEqualTo(engine.key());
        assertThat(relayed.value()).isEqualTo(engine.value());
        assertThat(relayed.headers()).isEqualTo(engine.headers());
        assertThat(relayed.timestamp()).isEqualTo(engine.timestamp());
    }
}
