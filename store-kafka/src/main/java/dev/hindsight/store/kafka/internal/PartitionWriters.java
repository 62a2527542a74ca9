package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.NotPartitionOwnerException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;

/**
 * One {@link PartitionWriter} per owned partition, each with its own transactional producers: a new owner's
 * {@code initTransactions()} fences the previous owner's. Thread-safe: {@code writers} is a concurrent map.
 */
public final class PartitionWriters implements Writers {
    private final KafkaOptions options;
    private final IntFunction<PartitionWriter> newWriter;
    private final Map<Integer, PartitionWriter> writers = new ConcurrentHashMap<>();

    public PartitionWriters(KafkaOptions options, IntFunction<PartitionWriter> newWriter) {
        this.options = options;
        this.newWriter = newWriter;
    }

    @Override
    public boolean assigned(int partition) {
        return writers.containsKey(partition);
    }

    @Override
    public AppendResult append(
            int partition, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        PartitionWriter w = writers.get(partition);
        if (w == null) {
            throw new NotPartitionOwnerException(options.topic(), partition);
        }
        return w.append(aggregateId, expected, events);
    }

    @Override
    public void onAssigned(Collection<Integer> partitions, ConsumerGroupMetadata group, StableOffsets stableOffsets) {
        acquire(partitions.stream()
                .map(p -> writers.computeIfAbsent(p, newWriter::apply))
                .toList());
    }

    /**
     * Acquires {@code ws} in parallel: each waits for {@code initTransactions()} and the index catch-up, bounded by
     * half of {@code max.poll.interval} ({@link PartitionWriter#acquire}), so the ownership thread polls in time.
     */
    private static void acquire(List<PartitionWriter> ws) {
        List<Thread> acquiring = ws.stream()
                .map(w -> Thread.ofVirtual()
                        .name("hindsight-kafka-acquire-" + w.partition())
                        .start(w::acquire))
                .toList();
        for (Thread t : acquiring) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void onRevoked(Collection<Integer> partitions) {
        for (int p : partitions) {
            PartitionWriter w = writers.remove(p);
            if (w != null) {
                w.close();
            }
        }
    }

    @Override
    public void retryFailed(Set<Integer> assigned, StableOffsets stableOffsets) {
        // in parallel, as on assignment: one after the other, each bounded, they could outlast max.poll.interval
        acquire(writers.values().stream()
                .filter(w -> w.failed() && assigned.contains(w.partition()))
                .toList());
    }

    @Override
    public List<Integer> ready() {
        return PartitionWriter.ready(writers);
    }

    @Override
    public void close() {
        writers.values().forEach(PartitionWriter::close);
        writers.clear();
    }
}
