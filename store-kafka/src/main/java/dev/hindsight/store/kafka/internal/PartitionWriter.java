package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.AppendChecks;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.NotPartitionOwnerException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one partition on the node that owns it. {@link #acquire} creates the partition's transactional
 * producer ({@code transactional.id} = topic + partition, the same on every node) and calls
 * {@code initTransactions()}, which fences any previous owner's producer and ends its open transaction; then it waits
 * until the {@link Indexer} has read the partition up to its last stable offset, so the index knows every committed
 * event before the first check. Each append checks idempotency and the expected version against the index, writes its
 * events in one transaction, and returns once the indexer has indexed them.
 *
 * <p>Thread-safe: appends are serialized by {@code lock}, which guards {@code producer} and {@code state}. A fenced or
 * failed producer is closed and the writer stops accepting appends ({@link NotPartitionOwnerException}) until the
 * ownership layer acquires the partition again.
 */
public final class PartitionWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionWriter.class);

    private enum State {
        ACQUIRING,
        READY,
        FAILED,
        CLOSED
    }

    private final KafkaOptions options;
    private final int partition;
    private final String clientId;
    private final Indexer indexer;
    private final RecordFetcher fetcher;
    private final AggregateReader reader;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private @Nullable KafkaProducer<byte[], byte[]> producer;
    // guarded by lock (volatile for the unlocked reads of isReady)
    private volatile State state = State.ACQUIRING;

    public PartitionWriter(
            KafkaOptions options,
            int partition,
            String clientId,
            Indexer indexer,
            RecordFetcher fetcher,
            AggregateReader reader) {
        this.options = options;
        this.partition = partition;
        this.clientId = clientId;
        this.indexer = indexer;
        this.fetcher = fetcher;
        this.reader = reader;
    }

    public int partition() {
        return partition;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    /** Takes the partition over: fences the previous owner, then catches the index up. */
    public void acquire() {
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            closeProducer();
            state = State.ACQUIRING;
            KafkaProducer<byte[], byte[]> p = Clients.writer(options, partition, clientId + "-p" + partition);
            producer = p;
            p.initTransactions();
            long stable = fetcher.stableEnds(List.of(partition)).get(partition);
            if (!indexer.awaitFetched(partition, stable, options.requestTimeout())) {
                throw new StoreUnavailableException("the index of partition " + partition + " did not reach offset "
                        + stable + " within " + options.requestTimeout());
            }
            state = State.READY;
            LOG.debug("owner of partition {} (stable offset {})", partition, stable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while acquiring", e);
        } catch (RuntimeException e) {
            fail("acquiring failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Appends under the partition's lock; see {@link dev.hindsight.core.spi.EventLog#append}. */
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        lock.lock();
        try {
            KafkaProducer<byte[], byte[]> p = producer;
            if (state != State.READY || p == null) {
                throw new NotPartitionOwnerException(options.topic(), partition);
            }
            AppendResult retry =
                    AppendChecks.idempotentResult(events, e -> reader.byIdAnywhere(partition, e.eventId()));
            if (retry != null) {
                return retry;
            }
            PartitionIndex.Tail tail = reader.tail(partition, aggregateId);
            List<ProposedEvent> accepted =
                    AppendChecks.checkNewAppend(aggregateId, expected, tail.version(), tail.lastTimestamp(), events);
            long lastOffset = write(p, tail.version(), accepted);
            if (!indexer.awaitHeadPast(partition, lastOffset, options.requestTimeout())) {
                throw new StoreUnavailableException("committed, but the index of partition " + partition
                        + " did not reach offset " + lastOffset + " in time; the append is durable");
            }
            return new AppendResult(
                    aggregateId,
                    tail.version() + 1,
                    tail.version() + accepted.size(),
                    RecordCodec.positionOf(partition, lastOffset, options.partitions()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while appending", e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code events} in one transaction; returns the last event's offset. Caller holds {@code lock}. */
    private long write(KafkaProducer<byte[], byte[]> p, long version, List<ProposedEvent> events)
            throws InterruptedException {
        Instant now = options.clock().instant();
        try {
            p.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                sent.add(p.send(RecordCodec.encode(options.topic(), partition, events.get(i), version + i + 1, now)));
            }
            p.commitTransaction();
            return sent.getLast().get().offset();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            fail("fenced by a newer owner", e);
            throw new NotPartitionOwnerException(options.topic(), partition, e);
        } catch (KafkaException | ExecutionException e) {
            // the transaction's outcome is unknown to us: stop writing until re-acquired, which ends it either way
            fail("a transaction failed", e);
            throw new StoreUnavailableException(
                    "the append to partition " + partition + " failed; it may or may not be stored (retry with the"
                            + " same event ids, which is idempotent): " + e.getMessage(),
                    e);
        }
    }

    /** Stops accepting appends; the next {@link #acquire} starts over. Caller holds {@code lock}. */
    private void fail(String why, Exception cause) {
        LOG.warn("writer of partition {} stops: {}: {}", partition, why, cause.toString());
        if (state != State.CLOSED) {
            state = State.FAILED;
        }
        closeProducer();
    }

    /** Whether the writer stopped after a failure and waits to be acquired again. */
    public boolean failed() {
        return state == State.FAILED;
    }

    private void closeProducer() {
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            try {
                p.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the producer of partition {}", partition, e);
            }
        }
    }

    /** Gives the partition up: waits for an append in progress, then closes the producer. */
    @Override
    public void close() {
        lock.lock();
        try {
            state = State.CLOSED;
            closeProducer();
        } finally {
            lock.unlock();
        }
    }

    /** For diagnostics: which partitions a set of writers holds ready. */
    public static List<Integer> ready(Map<Integer, PartitionWriter> writers) {
        return writers.values().stream()
                .filter(PartitionWriter::isReady)
                .map(PartitionWriter::partition)
                .sorted()
                .toList();
    }
}
