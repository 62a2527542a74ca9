package dev.hindsight.store.kafka.bench;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.kafka.internal.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * One raw baseline of {@link KafkaAppendBench}, from a spec {@code NAME=KIND[;producer.property=value...]}:
 *
 * <ul>
 *   <li>{@code short}: the raw producer of sessions 5–14 (a 97-byte value, no headers), {@code send().get()} on an
 *       append's last record;
 *   <li>{@code raw}: the issue's baseline, the same records as the engine writes ({@code RecordCodec.encode}: key,
 *       value, headers, partition), otherwise as {@code short};
 *   <li>{@code txnN[xS][f]}: the engine's records through {@link RawTransactionalWriter} with N lanes (partition
 *       {@code p % N}) of S producers each (default 1; more overlap a commit with the next batch's send),
 *       acknowledged after the transaction commits; {@code f}: each transaction also commits offsets to a group, the
 *       engine's fence.
 * </ul>
 *
 * Every kind: {@code acks=all}, the run's compression, {@code linger.ms=0} unless the spec sets producer properties.
 * Thread-safe (the producers are).
 */
final class Baseline implements AutoCloseable {
    static final String PAYLOAD = "{\"amount\":4200,\"currency\":\"EUR\"}";

    final String name;
    final String kind;
    private final String topic;
    private final int partitions;
    private final @Nullable KafkaProducer<byte[], byte[]> producer;
    private final @Nullable RawTransactionalWriter txn;
    private final AtomicLong versions = new AtomicLong();

    private Baseline(String spec, String bootstrap, String topic, int partitions, String compression) {
        String[] parts = spec.split(";");
        this.name = parts[0].substring(0, parts[0].indexOf('='));
        this.kind = parts[0].substring(parts[0].indexOf('=') + 1);
        this.topic = topic;
        this.partitions = partitions;
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        for (int i = 1; i < parts.length; i++) {
            settings.put(parts[i].substring(0, parts[i].indexOf('=')), parts[i].substring(parts[i].indexOf('=') + 1));
        }
        java.util.regex.Matcher txnKind =
                java.util.regex.Pattern.compile("txn(\\d+)(?:x(\\d+))?(f?)").matcher(kind);
        if (txnKind.matches()) {
            this.txn = new RawTransactionalWriter(
                    bootstrap,
                    name + "-" + compression,
                    Integer.parseInt(txnKind.group(1)),
                    txnKind.group(2) == null ? 1 : Integer.parseInt(txnKind.group(2)),
                    !txnKind.group(3).isEmpty(),
                    settings);
            this.producer = null;
        } else if (kind.equals("raw") || kind.equals("short")) {
            settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            settings.put(ProducerConfig.ACKS_CONFIG, "all");
            settings.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
            this.producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
            this.txn = null;
        } else {
            throw new IllegalArgumentException("unknown baseline kind " + kind + " in " + spec);
        }
    }

    static Baseline open(String spec, String bootstrap, String topic, int partitions, String compression) {
        return new Baseline(spec, bootstrap, topic, partitions, compression);
    }

    /** Whether this is the issue's baseline (a plain producer of the engine's records). */
    boolean issueBaseline() {
        return kind.equals("raw");
    }

    /** Appends {@code batch} events to a random aggregate and returns once they are acknowledged (or committed). */
    int append(String key, int batch) throws Exception {
        Instant now = Instant.now();
        String metadata = "{\"timestamp\":\"" + now + "\"}";
        if (txn != null) {
            int partition = RecordCodec.partitionOf(key, partitions);
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                ProducerRecord<byte[], byte[]> r = engineRecord(key, now, metadata);
                records.add(new ProducerRecord<>(topic, partition, r.timestamp(), r.key(), r.value(), r.headers()));
            }
            txn.append(partition, records);
            return batch;
        }
        KafkaProducer<byte[], byte[]> p = java.util.Objects.requireNonNull(producer);
        Future<?> last = null;
        for (int i = 0; i < batch; i++) {
            last = p.send(
                    kind.equals("short")
                            ? new ProducerRecord<>(
                                    topic,
                                    key.getBytes(StandardCharsets.UTF_8),
                                    ("{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_data\":" + PAYLOAD + "}")
                                            .getBytes(StandardCharsets.UTF_8))
                            : engineRecord(key, now, metadata));
        }
        java.util.Objects.requireNonNull(last).get();
        return batch;
    }

    /** Transactions, appends, events, send ms, commit ms since the last call (zeros for a plain producer). */
    long[] snapshotAndReset() {
        return txn == null ? new long[5] : txn.snapshotAndReset();
    }

    private ProducerRecord<byte[], byte[]> engineRecord(String key, Instant now, String metadata) {
        return RecordCodec.encode(
                topic,
                new RecordedEvent(
                        UUID.randomUUID(),
                        key,
                        "Benched",
                        1,
                        PAYLOAD,
                        metadata,
                        versions.incrementAndGet(),
                        Position.START,
                        now,
                        now));
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
        if (txn != null) {
            txn.close();
        }
    }
}
