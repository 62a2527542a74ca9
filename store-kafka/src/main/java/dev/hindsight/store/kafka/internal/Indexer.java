package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongPredicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every partition of the topic with one {@code read_committed} consumer on its own thread and feeds each
 * {@link PartitionIndex}, from where the index's runs end. Every node indexes every partition, so any node answers
 * reads; the owner of a partition waits on it before it accepts appends (catch-up). Thread-safe: waiters use {@link #await}.
 */
public final class Indexer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Indexer.class);

    private final KafkaOptions options;
    private final List<PartitionIndex> indexes;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile boolean running = true;
    private volatile long generation;
    /** Why the indexer thread stopped, if it failed. */
    private volatile @Nullable Throwable failure;

    private final RecordCache cache;

    public Indexer(KafkaOptions options, List<PartitionIndex> indexes, RecordCache cache, String clientPrefix) {
        this.cache = cache;
        this.options = options;
        this.indexes = List.copyOf(indexes);
        this.consumer = Clients.reader(options, clientPrefix + "-indexer", 20, 1024 * 1024);
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionIndex idx : indexes) {
            tps.add(new TopicPartition(options.topic(), idx.partition()));
        }
        consumer.assign(tps);
        for (PartitionIndex idx : indexes) {
            consumer.seek(new TopicPartition(options.topic(), idx.partition()), idx.resumeOffset());
        }
        this.thread = Thread.ofPlatform()
                .name("hindsight-kafka-indexer-" + options.topic())
                .daemon(true)
                .unstarted(this::run);
    }

    public Indexer start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (TopicPartition tp : records.partitions()) {
                    PartitionIndex idx = indexes.get(tp.partition());
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        index(idx, r);
                    }
                }
                for (TopicPartition tp : consumer.assignment()) {
                    PartitionIndex idx = indexes.get(tp.partition());
                    idx.fetchedTo(consumer.position(tp));
                    if (idx.wantsFlush()) {
                        flush(idx);
                    }
                }
                signal();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                failure = e;
                LOG.error(
                        "indexer of topic {} stopped: this node indexes nothing more (reopen it)", options.topic(), e);
            }
        } finally {
            running = false;
            signal();
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    /**
     * Writes the memtable of {@code idx} as a run. A failure (a full or broken disk) does not stop the indexer: the
     * index is derived data and the memtable keeps the entries, as the file engine keeps its memtable when an index
     * write fails (ADR 0008); the next attempt comes after another {@code memtableEvents} events. Stopping would stop
     * this node's reads of every partition and its takeovers, behind a healthy {@code /health}.
     */
    private void flush(PartitionIndex idx) {
        try {
            idx.flush();
        } catch (IOException | RuntimeException e) {
            long retryAt = idx.flushFailed();
            LOG.warn(
                    "could not write the index run of partition {} of topic {}; its entries stay in memory, retried"
                            + " when it holds {} events",
                    idx.partition(),
                    options.topic(),
                    retryAt,
                    e);
        }
    }

    private void index(PartitionIndex idx, ConsumerRecord<byte[], byte[]> r) {
        RecordedEvent e;
        try {
            e = RecordCodec.decode(r, options.partitions());
        } catch (RuntimeException ex) {
            LOG.warn(
                    "skipping record {}:{} that is not a Hindsight event: {}",
                    r.partition(),
                    r.offset(),
                    ex.toString());
            return;
        }
        cache.put(r.partition(), r.offset(), e, r.timestamp());
        idx.add(r.offset(), e.aggregateId(), e.eventId(), e.version(), e.timestamp());
    }

    /** Wakes the waiters of {@link #await} (the index changed). */
    public void signal() {
        lock.lock();
        try {
            generation++;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code condition} holds (checked after each indexed batch), the timeout passes or the indexer stops.
     *
     * @return whether the condition holds
     */
    public boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                if (nanos <= 0 || !running) {
                    return condition.getAsBoolean();
                }
                nanos = advanced.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the indexer has read partition {@code p} up to {@code position}. */
    public boolean awaitFetched(int p, long position, Duration timeout) throws InterruptedException {
        PartitionIndex idx = indexes.get(p);
        LongPredicate reached = pos -> idx.fetchedTo() >= pos;
        return await(() -> reached.test(position), timeout);
    }

    public boolean isRunning() {
        return running;
    }

    /**
     * Why the indexer stopped for good, if it failed (not if it was closed): this node then indexes nothing more, so
     * its reads lag for ever and its takeovers cannot catch up; only a reopen recovers.
     */
    public Optional<String> stoppedReason() {
        Throwable f = failure;
        return f == null
                ? Optional.empty()
                : Optional.of("the indexer of topic '" + options.topic() + "' stopped (" + f
                        + "): this node's reads and takeovers stall; reopen the store to recover");
    }

    @Override
    public void close() {
        if (!running) {
            joinQuietly();
            return;
        }
        running = false;
        consumer.wakeup();
        joinQuietly();
    }

    private void joinQuietly() {
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
