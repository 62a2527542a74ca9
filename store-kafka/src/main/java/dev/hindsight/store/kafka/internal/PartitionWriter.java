package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.NotPartitionOwnerException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one partition on the node that owns it. {@link #acquire} creates the partition's transactional
 * producers (one per slot, {@code transactional.id} = topic + partition + slot, the same on every node) and calls
 * {@code initTransactions()} on each, which fences the previous owner's producers and ends their open transactions;
 * then it waits
 * until the {@link Indexer} has read the partition up to its last stable offset, so the index knows every committed
 * event before the first check. The whole takeover has half of {@code max.poll.interval}, each blocking step what is
 * left of it; one that runs out of time keeps its producers (initialized or still initializing) for the retry. Appends are group-committed: each is checked (idempotency, expected version) against
 * the index and the requests before it in its batch, the batch is written in one transaction, and after the commit
 * the writer adds its events to this node's index itself and returns.
 *
 * <p>Thread-safe: batches are serialized by {@code lock}, which guards {@code producers}, {@code state} and the
 * requests taken from the concurrent {@code pending} queue. A fenced or
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
    private final List<PartitionIndex> indexes;
    private final RecordCache cache;
    private final RecordFetcher fetcher;
    private final AggregateReader reader;
    private static final int MAX_BATCH = 256;
    /**
     * Transactional producers per partition, used in turn: consecutive batches are transactions of different
     * {@code transactional.id}s, so a batch does not wait for the previous one's markers. Batches stay serialized
     * (one commits before the next is sent), so the partition keeps the batches' order. System property
     * {@code hindsight.kafka.writerSlots} (default 2; 1 = one producer per partition, as before) for A/B runs.
     */
    private static final int SLOTS = Math.max(1, Integer.getInteger("hindsight.kafka.writerSlots", 2));

    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<AppendRequest> pending = new ConcurrentLinkedQueue<>();
    // guarded by lock
    private @Nullable List<KafkaProducer<byte[], byte[]>> producers;
    /**
     * Whether the last {@link #acquire} ran out of its budget after creating {@code producers}: while they were being
     * initialized ({@code initializing} still running), or after (fencing the previous owner) in the end-offset lookup
     * or the index catch-up. The next one re-uses them; guarded by lock.
     */
    private boolean keepProducers;
    /**
     * The initialization of {@code producers} ({@code initTransactions()} on each, on a thread of its own), while an
     * acquire that gave up waiting for it has not seen it end; guarded by lock.
     */
    private @Nullable CompletableFuture<Void> initializing;
    /** Slot of the producer that writes the next batch; guarded by lock. */
    private int nextSlot;
    // guarded by lock (volatile for the unlocked reads of isReady)
    private volatile State state = State.ACQUIRING;

    public PartitionWriter(
            KafkaOptions options,
            int partition,
            String clientId,
            Indexer indexer,
            List<PartitionIndex> indexes,
            RecordCache cache,
            RecordFetcher fetcher,
            AggregateReader reader) {
        this.options = options;
        this.partition = partition;
        this.clientId = clientId;
        this.indexer = indexer;
        this.indexes = indexes;
        this.cache = cache;
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
        long deadline =
                System.nanoTime() + options.maxPollInterval().dividedBy(2).toNanos();
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            // producers kept after a takeover that ran out of time (below) are being or have been initialized (which
            // fenced the previous owner) and hold no transaction: the retry re-uses them and waits for what is left.
            // Any other producers are replaced; after a failed transaction (closed by fail) new ones end that
            // transaction.
            if (!keepProducers) {
                closeProducer();
            }
            keepProducers = false;
            state = State.ACQUIRING;
            if (producers == null) {
                List<KafkaProducer<byte[], byte[]>> ps = new ArrayList<>(SLOTS);
                producers = ps;
                for (int slot = 0; slot < SLOTS; slot++) {
                    ps.add(Clients.writer(options, partition, slot, clientId + "-p" + partition + "-t" + slot));
                }
                initializing = initialize(ps);
            }
            // on (or joined by) the ownership thread, which must poll within max.poll.interval or lose every partition
            // of this node: each step below gets what is left of half of it (initTransactions and the end offset
            // wait up to the request timeout for a slow or absent leader), and what did not finish by then is
            // waited for again on the next poll
            CompletableFuture<Void> init = initializing;
            if (init != null) {
                try {
                    init.get(left(deadline).toNanos(), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    retryLater("the producers are not initialized yet");
                    return;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new KafkaException(e.getCause());
                }
                initializing = null;
            }
            long stable;
            try {
                stable = fetcher.stableEnds(List.of(partition), left(deadline)).get(partition);
            } catch (StoreUnavailableException e) {
                if (!(e.getCause() instanceof TimeoutException)
                        && !left(deadline).isZero()) {
                    throw e;
                }
                retryLater("its end offset is not known yet (" + e.getMessage() + ")");
                return;
            }
            if (!indexer.awaitFetched(partition, stable, left(deadline))) {
                retryLater("the index did not reach offset " + stable);
                return;
            }
            state = State.READY;
            LOG.debug("owner of partition {} (stable offset {})", partition, stable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while acquiring", e);
        } catch (RuntimeException e) {
            fail("acquiring failed", e);
        } finally {
            GroupCommit.release(lock, pending);
        }
    }

    /**
     * Appends; see {@link dev.hindsight.core.spi.EventLog#append}. Group commit: the request is queued, and whichever
     * appender holds the lock next checks every queued request in order (against the index and the versions of the
     * requests before it in the batch) and writes all accepted ones in one transaction. A request that fails its
     * checks fails alone; if the transaction fails, every request in it fails (none is acknowledged).
     */
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        AppendRequest request = new AppendRequest(partition, aggregateId, expected, events);
        GroupCommit.submit(lock, pending, request, this::runBatch);
        return request.outcome();
    }

    /** Checks and writes the queued requests. Caller holds {@code lock}. */
    private void runBatch() {
        List<AppendRequest> batch = new ArrayList<>();
        AppendRequest next;
        while (batch.size() < MAX_BATCH && (next = pending.poll()) != null) {
            batch.add(next);
        }
        List<KafkaProducer<byte[], byte[]>> ps = producers;
        KafkaProducer<byte[], byte[]> p = ps == null || ps.size() < SLOTS ? null : ps.get(nextSlot);
        if (state != State.READY || p == null) {
            batch.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), partition)));
            return;
        }
        List<AppendRequest> deferred = new ArrayList<>();
        List<AppendRequest> toWrite = Batch.check(batch, reader, deferred);
        if (!toWrite.isEmpty()) {
            // the next batch goes through the other slot's producer: its first send need not wait until this
            // transaction's commit markers are written (CONCURRENT_TRANSACTIONS), which took most of an append's time
            nextSlot = (nextSlot + 1) % SLOTS;
            write(p, toWrite);
        }
        pending.addAll(deferred);
    }

    /** Writes the accepted requests in one transaction and completes them. Caller holds {@code lock}. */
    private void write(KafkaProducer<byte[], byte[]> p, List<AppendRequest> requests) {
        Instant now = options.clock().instant();
        try {
            long t0 = System.nanoTime();
            p.beginTransaction();
            List<List<Future<RecordMetadata>>> sent = Batch.send(p, options, requests, now);
            long t1 = System.nanoTime();
            p.commitTransaction();
            long t2 = System.nanoTime();
            Batch.recordCommitted(requests, sent, options, cache, indexer, indexes, now);
            WriterStats.committed(requests.size(), WriterStats.events(requests), t1 - t0, t2 - t1);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            fail("fenced by a newer owner", e);
            requests.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), partition, e)));
        } catch (KafkaException | ExecutionException e) {
            // the transaction's outcome is unknown to us: stop writing until re-acquired, which ends it either way
            fail("a transaction failed", e);
            requests.forEach(r -> r.fail(new StoreUnavailableException(
                    "the append to partition " + partition + " failed; it may or may not be stored (retry with the"
                            + " same event ids, which is idempotent): " + e.getMessage(),
                    e)));
        } catch (InterruptedException e) {
            // only recording a committed transaction waits interruptibly: it is stored, but the index may have only
            // part of it, so stop writing until re-acquired, which catches the index up before the next check
            Thread.currentThread().interrupt();
            fail("interrupted while recording a committed transaction", e);
            requests.forEach(r -> r.fail(new StoreUnavailableException(
                    "interrupted while appending to partition " + partition + "; it may or may not be stored (retry"
                            + " with the same event ids, which is idempotent)",
                    e)));
        }
    }

    /**
     * Ends an {@link #acquire} that ran out of its budget: the partition is not ready, and the next acquire (on the
     * next poll) re-uses the producers. Caller holds {@code lock}.
     */
    private void retryLater(String why) {
        LOG.info(
                "partition {} is not taken over within half of max.poll.interval: {}; retried on the next poll with"
                        + " the same producers",
                partition,
                why);
        state = State.FAILED;
        keepProducers = true;
    }

    /**
     * Runs {@code initTransactions()} on each of {@code ps} in turn on a thread of its own, so that an acquire can stop
     * waiting for it at its budget's end (the producer API has no timeout but {@code max.block.ms}, which also bounds
     * every commit). Each fences the previous owner's producer of its slot and ends its transaction.
     */
    private CompletableFuture<Void> initialize(List<KafkaProducer<byte[], byte[]>> ps) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("hindsight-kafka-init-" + partition).start(() -> {
            try {
                ps.forEach(KafkaProducer::initTransactions);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
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
        List<KafkaProducer<byte[], byte[]>> ps = producers;
        producers = null;
        keepProducers = false;
        initializing = null; // an initialization still running fails or ends with its closed producers
        nextSlot = 0;
        if (ps != null) {
            for (KafkaProducer<byte[], byte[]> p : ps) {
                try {
                    p.close(Duration.ZERO);
                } catch (RuntimeException e) {
                    LOG.debug("closing a producer of partition {}", partition, e);
                }
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
            GroupCommit.release(lock, pending);
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
