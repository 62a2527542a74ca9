package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventJson;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * The record format, a public contract: key = {@code aggregate_id} (UTF-8); value = the event as the HTTP API returns
 * it ({@link EventJson}) without {@code position}; headers {@code event_type}, {@code version} (decimal) and
 * {@code event_id} (UUID text), all UTF-8; record timestamp = {@code recorded_at}. The partition is Kafka's default
 * partitioner's: {@code (murmur2(UTF-8 key) & 0x7fffffff) % partitions}, so a plain producer keyed by aggregate id
 * lands in the same partition. An event's position is the vector with {@code offset + 1} at its partition and 0
 * elsewhere. Stateless, thread-safe.
 */
public final class RecordCodec {
    public static final String EVENT_TYPE = "event_type";
    public static final String VERSION = "version";
    public static final String EVENT_ID = "event_id";

    private RecordCodec() {}

    /** The partition of {@code aggregateId} among {@code partitions}. */
    public static int partitionOf(String aggregateId, int partitions) {
        return Utils.toPositive(Utils.murmur2(aggregateId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The record of {@code event} stored at {@code version}. */
    public static ProducerRecord<byte[], byte[]> encode(
            String topic, int partition, ProposedEvent event, long version, Instant recordedAt) {
        RecordedEvent r = new RecordedEvent(
                event.eventId(),
                event.aggregateId(),
                event.eventType(),
                event.schemaVersion(),
                event.eventData(),
                event.metadata(),
                version,
                Position.START,
                event.timestamp(),
                recordedAt);
        RecordHeaders headers = new RecordHeaders();
        headers.add(EVENT_TYPE, utf8(event.eventType()));
        headers.add(VERSION, utf8(Long.toString(version)));
        headers.add(EVENT_ID, utf8(event.eventId().toString()));
        return new ProducerRecord<>(
                topic,
                partition,
                recordedAt.toEpochMilli(),
                utf8(event.aggregateId()),
                EventJson.toBytes(r, false),
                headers);
    }

    /**
     * The record of an event already stored elsewhere (the outbox relay of the other engines): the same key, value and
     * headers as the engine's own records, no partition (Kafka's default partitioner picks {@link #partitionOf}).
     */
    public static ProducerRecord<byte[], byte[]> encode(String topic, RecordedEvent event) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(EVENT_TYPE, utf8(event.eventType()));
        headers.add(VERSION, utf8(Long.toString(event.version())));
        headers.add(EVENT_ID, utf8(event.eventId().toString()));
        return new ProducerRecord<>(
                topic,
                null,
                event.recordedAt().toEpochMilli(),
                utf8(event.aggregateId()),
                EventJson.toBytes(event, false),
                headers);
    }

    /** The stored event of a record. */
    public static RecordedEvent decode(ConsumerRecord<byte[], byte[]> record, int partitions) {
        byte[] value = record.value();
        if (value == null) {
            throw new CorruptionException("record " + record.partition() + ":" + record.offset() + " has no value");
        }
        return EventJson.read(value, positionOf(record.partition(), record.offset(), partitions));
    }

    /** The position of the event at {@code offset} of {@code partition}. */
    public static Position.Vector positionOf(int partition, long offset, int partitions) {
        long[] offsets = new long[partitions];
        offsets[partition] = offset + 1;
        return new Position.Vector(offsets);
    }

    /** The aggregate id (key) of a record, {@code null} if it has none. */
    public static @Nullable String aggregateId(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    /** The {@code version} header, -1 if absent or malformed. */
    public static long version(ConsumerRecord<byte[], byte[]> record) {
        String v = header(record, VERSION);
        try {
            return v == null ? -1 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code event_id} header, {@code null} if absent or malformed. */
    public static @Nullable UUID eventId(ConsumerRecord<byte[], byte[]> record) {
        String v = header(record, EVENT_ID);
        try {
            return v == null ? null : UUID.fromString(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
