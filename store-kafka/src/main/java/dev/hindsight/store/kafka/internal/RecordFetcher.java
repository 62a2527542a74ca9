package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Reads committed records by offset and by range with a small pool of {@code read_committed} consumers (a consumer is
 * not thread-safe: each call borrows one). Thread-safe.
 */
public final class RecordFetcher implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);
    /**
     * {@code max.partition.fetch.bytes} of the pool's consumers: an aggregate read wants a few records after one
     * offset; a range read (a global read past the in-memory tail) polls again for more.
     */
    private static final int PARTITION_FETCH_BYTES = 64 * 1024;

    private final KafkaOptions options;
    private final String clientPrefix;
    private final LinkedBlockingDeque<KafkaConsumer<byte[], byte[]>> idle = new LinkedBlockingDeque<>();
    private final Semaphore permits;
    private final AtomicInteger created = new AtomicInteger();
    private volatile boolean closed;

    public RecordFetcher(KafkaOptions options, String clientPrefix, int poolSize) {
        this.options = options;
        this.clientPrefix = clientPrefix;
        this.permits = new Semaphore(poolSize);
    }

    /** Something done with a borrowed consumer. */
    @FunctionalInterface
    public interface WithConsumer<T> {
        T apply(KafkaConsumer<byte[], byte[]> consumer);
    }

    /** Runs {@code body} with a consumer of the pool, assigned nothing on entry. */
    public <T> T with(WithConsumer<T> body) {
        return with(null, body);
    }

    /** {@link #with(WithConsumer)}, waiting at most {@code permitWait} for a free reader (null: as long as it takes). */
    private <T> T with(@Nullable Duration permitWait, WithConsumer<T> body) {
        try {
            if (permitWait == null) {
                permits.acquire();
            } else if (!permits.tryAcquire(permitWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new StoreUnavailableException("no Kafka reader was free within " + permitWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for a Kafka reader", e);
        }
        KafkaConsumer<byte[], byte[]> c = idle.pollFirst();
        boolean healthy = false;
        try {
            if (c == null) {
                c = Clients.reader(
                        options, clientPrefix + "-reader-" + created.incrementAndGet(), 2, PARTITION_FETCH_BYTES);
            }
            T result = body.apply(c);
            healthy = true;
            return result;
        } catch (KafkaException e) {
            throw new StoreUnavailableException("reading from Kafka failed: " + e.getMessage(), e);
        } finally {
            if (c != null) {
                if (healthy && !closed) {
                    c.assign(List.of());
                    idle.addFirst(c);
                } else {
                    c.close(CloseOptions.timeout(Duration.ZERO));
                }
            }
            permits.release();
        }
    }

    /**
     * The committed records at {@code offsets} of {@code partition} (absent keys: no committed record there, such as
     * offsets past the end).
     *
     * @param upTo offsets at or past it are not waited for
     */
    public Map<Long, ConsumerRecord<byte[], byte[]>> fetch(int partition, Collection<Long> offsets, long upTo) {
        TreeSet<Long> wanted = new TreeSet<>(offsets);
        wanted.removeIf(o -> o >= upTo || o < 0);
        Map<Long, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        if (wanted.isEmpty()) {
            return out;
        }
        TopicPartition tp = new TopicPartition(options.topic(), partition);
        return with(c -> {
            c.assign(Set.of(tp));
            long deadline = System.nanoTime() + options.requestTimeout().toNanos();
            while (!wanted.isEmpty()) {
                c.seek(tp, wanted.first());
                List<ConsumerRecord<byte[], byte[]>> got = c.poll(POLL).records(tp);
                long reached = c.position(tp);
                for (ConsumerRecord<byte[], byte[]> r : got) {
                    if (wanted.remove(r.offset())) {
                        out.put(r.offset(), r);
                    }
                }
                // offsets the consumer moved past without a record (aborted or markers) hold no event
                wanted.headSet(reached).clear();
                if (!wanted.isEmpty() && System.nanoTime() > deadline) {
                    throw new StoreUnavailableException(
                            "timed out reading partition " + partition + " at " + wanted.first());
                }
            }
            return out;
        });
    }

    /** Visits records of several partitions in offset order per partition. */
    @FunctionalInterface
    public interface RangeVisitor {
        /** Returns false to stop reading this partition (the record was not consumed). */
        boolean visit(ConsumerRecord<byte[], byte[]> record);
    }

    /**
     * Reads partitions {@code from[p] .. to[p] - 1} (for {@code from[p] < to[p]}), handing each committed record to
     * {@code visitor} until every partition is read to its end or stopped.
     */
    public void readRanges(long[] from, long[] to, RangeVisitor visitor) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (int p = 0; p < from.length; p++) {
            if (from[p] < to[p]) {
                ends.put(new TopicPartition(options.topic(), p), to[p]);
            }
        }
        if (ends.isEmpty()) {
            return;
        }
        with(c -> {
            c.assign(ends.keySet());
            for (TopicPartition tp : ends.keySet()) {
                c.seek(tp, from[tp.partition()]);
            }
            long deadline = System.nanoTime() + options.requestTimeout().toNanos();
            Set<TopicPartition> open = new java.util.HashSet<>(ends.keySet());
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!open.contains(tp)) {
                        continue;
                    }
                    if (r.offset() >= ends.get(tp) || !visitor.visit(r)) {
                        open.remove(tp);
                        c.pause(Set.of(tp));
                    }
                }
                for (TopicPartition tp : new ArrayList<>(open)) {
                    if (c.position(tp) >= ends.get(tp)) {
                        open.remove(tp);
                        c.pause(Set.of(tp));
                    }
                }
                if (!open.isEmpty() && System.nanoTime() > deadline) {
                    throw new StoreUnavailableException("timed out reading " + open);
                }
            }
            c.resume(c.paused());
            return null;
        });
    }

    /** The last stable offset (end for {@code read_committed}) of every partition in {@code partitions}. */
    public Map<Integer, Long> stableEnds(Collection<Integer> partitions) {
        return stableEnds(partitions, options.requestTimeout());
    }

    /**
     * {@link #stableEnds(Collection)} within {@code timeout}, the wait for a free reader included (a takeover passes
     * what is left of its budget: the partitions' leaders may be slow or gone).
     *
     * @throws StoreUnavailableException if the offsets are not known in time (caused by Kafka's
     *     {@link org.apache.kafka.common.errors.TimeoutException} when the request timed out) or Kafka failed
     */
    public Map<Integer, Long> stableEnds(Collection<Integer> partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> tps = partitions.stream()
                .map(p -> new TopicPartition(options.topic(), p))
                .toList();
        return with(timeout, c -> {
            Map<Integer, Long> out = new HashMap<>();
            c.endOffsets(tps, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                    .forEach((tp, off) -> out.put(tp.partition(), off));
            return out;
        });
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c;
        while ((c = idle.pollFirst()) != null) {
            c.close(CloseOptions.timeout(Duration.ZERO));
        }
    }
}
