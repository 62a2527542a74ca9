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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
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
 * The node's single writer (Kafka Streams' "exactly-once v2", KIP-447): one group-commit batch takes the queued
 * appends of every partition this node owns and writes them in one transaction, which also commits an offset to the
 * ownership group for each partition written, with the member's group metadata. A node that lost its membership
 * (stalled, partitioned) fails at that offset commit because its generation is stale, so its transaction aborts: that
 * is the fence, instead of a {@code transactional.id} per partition.
 *
 * <p>Taking a partition over ({@link #onAssigned}): wait until the group coordinator has no transactional offset
 * commit pending on it and no other producer holds a transaction open on it (a previous owner's transaction commits
 * or aborts first); one that stays open longer than {@link #STALE} (a dead node's) is aborted by fencing its
 * {@code transactional.id} ({@link HangingTransactions}). Then the index catches up to the partition's last stable
 * offset, and only then is the partition ready for checks.
 *
 * <p>Thread-safe: batches are serialized by {@code lock}, which guards {@code producers}; {@code ready} is a
 * concurrent set read by appenders and batches, written by the ownership thread; a batch only includes partitions that
 * were ready when it started, and {@link #onRevoked} waits for the batch in progress.
 */
public final class NodeWriter implements Writers {
    private static final Logger LOG = LoggerFactory.getLogger(NodeWriter.class);
    private static final int MAX_BATCH = 1024;
    private static final int SLOTS = Math.max(1, Integer.getInteger("hindsight.kafka.writerSlots", 2));
    /** How long another producer's transaction on a partition being taken over may stay open before it is aborted. */
    static final Duration STALE = Duration.ofSeconds(2);

    private final KafkaOptions options;
    private final String clientId;
    private final String idPrefix;
    /** This node's transactional ids: {@code idPrefix} + this node's random suffix + slot. */
    private final String ownIdPrefix;

    private final Indexer indexer;
    private final List<PartitionIndex> indexes;
    private final RecordCache cache;
    private final RecordFetcher fetcher;
    private final AggregateReader reader;
    private final HangingTransactions hanging;

    private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();
    private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<AppendRequest> pending = new ConcurrentLinkedQueue<>();
    private volatile @Nullable ConsumerGroupMetadata group;
    // guarded by lock
    private final List<@Nullable KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private int nextSlot;
    private boolean closed;

    public NodeWriter(
            KafkaOptions options,
            String clientId,
            Indexer indexer,
            List<PartitionIndex> indexes,
            RecordCache cache,
            RecordFetcher fetcher,
            AggregateReader reader) {
        this.options = options;
        this.clientId = clientId;
        this.idPrefix = Clients.nodeTransactionalIdPrefix(options.topic());
        this.ownIdPrefix = idPrefix + clientId.substring(clientId.lastIndexOf('-') + 1) + "-t";
        this.indexer = indexer;
        this.indexes = indexes;
        this.cache = cache;
        this.fetcher = fetcher;
        this.reader = reader;
        this.hanging = new HangingTransactions(options, clientId, idPrefix);
        for (int slot = 0; slot < SLOTS; slot++) {
            producers.add(null);
        }
    }

    @Override
    public boolean assigned(int partition) {
        return assigned.contains(partition);
    }

    @Override
    public AppendResult append(
            int partition, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        if (!ready.contains(partition)) {
            throw new NotPartitionOwnerException(options.topic(), partition);
        }
        AppendRequest request = new AppendRequest(partition, aggregateId, expected, events);
        pending.add(request);
        lock.lock();
        try {
            while (!request.done()) {
                runBatch();
            }
        } finally {
            lock.unlock();
        }
        return request.outcome();
    }

    @Override
    public void onAssigned(Collection<Integer> partitions, ConsumerGroupMetadata group, StableOffsets stableOffsets) {
        this.group = group;
        List<Integer> fresh =
                partitions.stream().filter(p -> !ready.contains(p)).toList();
        if (fresh.isEmpty()) {
            return;
        }
        assigned.addAll(fresh);
        try {
            settle(fresh, stableOffsets);
            Map<Integer, Long> stable = fetcher.stableEnds(fresh);
            for (int p : fresh) {
                if (!indexer.awaitFetched(p, stable.get(p), options.requestTimeout())) {
                    throw new StoreUnavailableException("the index of partition " + p + " did not reach offset "
                            + stable.get(p) + " within " + options.requestTimeout());
                }
            }
            ready.addAll(fresh);
            LOG.debug("node writer owns partitions {} (stable offsets {})", fresh, stable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("taking over partitions {} failed; retried on the next poll: {}", fresh, e.toString());
        }
    }

    /**
     * Waits until no earlier writer's transaction can still change {@code partitions}: no pending transactional offset
     * commit (a transaction that passed the generation check and may still commit) and no open transaction holding
     * records on them. Aborts the ones open longer than {@link #STALE}.
     */
    private void settle(List<Integer> partitions, StableOffsets stableOffsets) throws InterruptedException {
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        while (true) {
            boolean offsetsStable = stableOffsets.await(partitions, Duration.ofMillis(500));
            if (offsetsStable && hanging.openOn(partitions).isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("an earlier owner's transaction on partitions " + partitions
                        + " did not end within " + options.requestTimeout());
            }
            hanging.abortOlderThan(STALE, ownIdPrefix);
            Thread.sleep(50);
        }
    }

    @Override
    public void onRevoked(Collection<Integer> partitions) {
        ready.removeAll(partitions);
        assigned.removeAll(partitions);
        lock.lock(); // waits for a batch in progress, which may still write them
        lock.unlock();
    }

    @Override
    public void retryFailed(Set<Integer> assignedNow) {
        // a failed transaction does not stop the node writer: its producer is replaced and the next batch goes on
    }

    @Override
    public List<Integer> ready() {
        return ready.stream().sorted().toList();
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
            nextSlot = (nextSlot + 1) % SLOTS;
            write(slot, toWrite);
        }
        pending.addAll(deferred);
    }

    /** Writes the accepted requests in one transaction and completes them. Caller holds {@code lock}. */
    private void write(int slot, List<AppendRequest> requests) {
        Instant now = options.clock().instant();
        ConsumerGroupMetadata g = group;
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
            p = Clients.nodeWriter(options, ownIdPrefix + slot, clientId + "-w" + slot);
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

    @Override
    public void close() {
        ready.clear();
        assigned.clear();
        lock.lock();
        try {
            closed = true;
            for (int slot = 0; slot < producers.size(); slot++) {
                replace(slot);
            }
        } finally {
            lock.unlock();
        }
        hanging.close();
    }
}
