package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.NotPartitionOwnerException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of a {@link NodeWriter}: the partitions {@code p} with {@code p % lanes == lane}, written by group-commit
 * batches ({@link GroupCommit}), one transaction per batch, through producers used in turn ({@code slots}) so a batch
 * need not wait for the previous one's commit markers. Lanes run their transactions in parallel; an aggregate lives in
 * one partition, so in one lane, and its appends stay ordered.
 *
 * <p>Thread-safe: batches are serialized by {@code lock}, which guards {@code producers}, {@code nextSlot} and
 * {@code closed}.
 */
final class NodeWriterLane {
    private static final Logger LOG = LoggerFactory.getLogger(NodeWriterLane.class);
    private static final int MAX_BATCH = 1024;

    private final KafkaOptions options;
    private final String transactionalIdPrefix;
    private final String clientId;
    private final Set<Integer> ready;
    private final Supplier<@Nullable ConsumerGroupMetadata> group;
    private final AggregateReader reader;
    private final RecordCache cache;
    private final Indexer indexer;
    private final List<PartitionIndex> indexes;

    final ReentrantLock lock = new ReentrantLock();
    final ConcurrentLinkedQueue<AppendRequest> pending = new ConcurrentLinkedQueue<>();
    private final List<@Nullable KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private int nextSlot;
    private boolean closed;

    NodeWriterLane(
            KafkaOptions options,
            String transactionalIdPrefix,
            String clientId,
            int slots,
            Set<Integer> ready,
            Supplier<@Nullable ConsumerGroupMetadata> group,
            AggregateReader reader,
            RecordCache cache,
            Indexer indexer,
            List<PartitionIndex> indexes) {
        this.options = options;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.clientId = clientId;
        this.ready = ready;
        this.group = group;
        this.reader = reader;
        this.cache = cache;
        this.indexer = indexer;
        this.indexes = indexes;
        for (int slot = 0; slot < slots; slot++) {
            producers.add(null);
        }
    }

    /** Queues the request and returns once it is done (leading batches when its thread gets the lock). */
    void submit(AppendRequest request) {
        GroupCommit.submit(lock, pending, request, this::runBatch);
    }

    /** Waits for the batch in progress, if any: a partition made unready is in no batch after this returns. */
    void awaitBatch() {
        lock.lock();
        GroupCommit.release(lock, pending);
    }

    /** Checks and writes the queued requests. Caller holds {@code lock}. */
    private void runBatch() {
        List<AppendRequest> batch = new ArrayList<>();
        AppendRequest next;
        while (batch.size() < MAX_BATCH && (next = pending.poll()) != null) {
            if (closed || !ready.contains(next.partition)) {
                next.fail(new NotPartitionOwnerException(options.topic(), next.partition));
            } else {
                batch.add(next);
            }
        }
        List<AppendRequest> deferred = new ArrayList<>();
        List<AppendRequest> toWrite = Batch.check(batch, reader, deferred);
        if (!toWrite.isEmpty()) {
            int slot = nextSlot;
            nextSlot = (nextSlot + 1) % producers.size();
            write(slot, toWrite);
        }
        pending.addAll(deferred);
    }

    /** Writes the accepted requests in one transaction and completes them. Caller holds {@code lock}. */
    private void write(int slot, List<AppendRequest> requests) {
        Instant now = options.clock().instant();
        ConsumerGroupMetadata g = group.get();
        KafkaProducer<byte[], byte[]> p;
        try {
            p = producer(slot);
        } catch (KafkaException e) {
            requests.forEach(r -> r.fail(new StoreUnavailableException(
                    "cannot start a transactional producer: " + e.getMessage() + " (not stored; retry)", e)));
            return;
        }
        boolean begun = false;
        try {
            p.beginTransaction();
            begun = true;
            List<List<Future<RecordMetadata>>> sent = Batch.send(p, options, requests, now);
            Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
            for (AppendRequest r : requests) {
                fence.put(new TopicPartition(options.topic(), r.partition), new OffsetAndMetadata(0, "hindsight"));
            }
            if (g == null) {
                throw new IllegalStateException("no group metadata before the first assignment");
            }
            p.sendOffsetsToTransaction(fence, g);
            p.commitTransaction();
            Batch.recordCommitted(requests, sent, options, cache, indexer, indexes, now);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            // a new owner of one of these partitions aborted this transaction (it looked stale): nothing is stored
            LOG.warn("node writer slot {} was fenced: {}", slot, e.toString());
            replace(slot);
            requests.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), r.partition, e)));
        } catch (KafkaException | IllegalStateException | ExecutionException e) {
            if (begun && abort(p)) {
                // aborted: nothing of it is stored; a stale generation means the group moved on (ownership changes)
                requests.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), r.partition, e)));
            } else {
                replace(slot); // re-initializing the transactional.id ends the transaction either way
                requests.forEach(r -> r.fail(new StoreUnavailableException(
                        "the append to partition " + r.partition + " failed; it may or may not be stored (retry with"
                                + " the same event ids, which is idempotent): " + e.getMessage(),
                        e)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            replace(slot);
            requests.forEach(r -> r.fail(new StoreUnavailableException("interrupted while appending", e)));
        }
    }

    private static boolean abort(KafkaProducer<byte[], byte[]> p) {
        try {
            p.abortTransaction();
            return true;
        } catch (KafkaException | IllegalStateException e) {
            return false;
        }
    }

    /** The producer of {@code slot}, created and initialized on first use. Caller holds {@code lock}. */
    private KafkaProducer<byte[], byte[]> producer(int slot) {
        KafkaProducer<byte[], byte[]> p = producers.get(slot);
        if (p == null) {
            p = Clients.nodeWriter(options, transactionalIdPrefix + slot, clientId + "-" + slot);
            try {
                p.initTransactions();
            } catch (KafkaException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producers.set(slot, p);
        }
        return p;
    }

    /** Closes the producer of {@code slot}; the next batch on it starts a new one. Caller holds {@code lock}. */
    private void replace(int slot) {
        KafkaProducer<byte[], byte[]> p = producers.set(slot, null);
        if (p != null) {
            try {
                p.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing producer slot {}", slot, e);
            }
        }
    }

    /** Closes the producers; requests still queued fail as not owned. */
    void close() {
        lock.lock();
        try {
            closed = true;
            for (int slot = 0; slot < producers.size(); slot++) {
                replace(slot);
            }
        } finally {
            GroupCommit.release(lock, pending);
        }
    }
}
