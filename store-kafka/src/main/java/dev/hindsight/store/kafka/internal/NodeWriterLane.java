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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
    /**
     * The slots' producers. Under {@link #pipelined} a slot's producer is touched by one batch at a time (a batch's
     * commit step runs without the lock, and the next batch on that slot starts after it is done), so the array, not
     * the lock, makes a replacement visible.
     */
    private final AtomicReferenceArray<@Nullable KafkaProducer<byte[], byte[]>> producers;

    private int nextSlot;
    private boolean closed;
    /**
     * Whether batches are pipelined (ADR 0010, session-15 amendment): a batch is checked and sent while the one before
     * it commits, through the other slot's producer.
     */
    private final boolean pipelined;
    /** The last batch sent under {@link #pipelined}; its commit may be in progress. Guarded by lock. */
    private @Nullable InFlight last;

    NodeWriterLane(
            KafkaOptions options,
            String transactionalIdPrefix,
            String clientId,
            int slots,
            boolean pipelined,
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
        this.producers = new AtomicReferenceArray<>(slots);
        this.pipelined = pipelined && slots >= 2;
    }

    /** Queues the request and returns once it is done (leading batches when its thread gets the lock). */
    void submit(AppendRequest request) {
        if (pipelined) {
            GroupCommit.submitPipelined(lock, pending, request, this::sendBatch);
        } else {
            GroupCommit.submit(lock, pending, request, this::runBatch);
        }
    }

    /** Waits for the batches in progress, if any: a partition made unready is in no batch after this returns. */
    void awaitBatch() {
        lock.lock();
        InFlight sent = last;
        GroupCommit.release(lock, pending);
        if (sent != null) {
            sent.awaitDone(); // its predecessors are done before it
        }
    }

    /** The queued requests (up to {@link #MAX_BATCH}) whose partitions are ready; fails the others. */
    private List<AppendRequest> takeQueued() {
        List<AppendRequest> batch = new ArrayList<>();
        AppendRequest next;
        while (batch.size() < MAX_BATCH && (next = pending.poll()) != null) {
            batch.add(next);
        }
        return stillReady(batch);
    }

    /** The requests of {@code batch} whose partitions are ready now; fails the others as not owned. */
    private List<AppendRequest> stillReady(List<AppendRequest> batch) {
        List<AppendRequest> out = new ArrayList<>(batch.size());
        for (AppendRequest r : batch) {
            if (closed || !ready.contains(r.partition)) {
                r.fail(new NotPartitionOwnerException(options.topic(), r.partition));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The first step of a pipelined batch (caller holds {@code lock}): checks the queued requests against the index
     * plus the batch still committing, if any, and sends them in a transaction of the slot that batch does not use,
     * waiting until every record is acknowledged (so the next batch's records follow them in each partition).
     *
     * @return the commit step, to run without the lock; null if nothing was sent
     */
    private @Nullable Runnable sendBatch() {
        List<AppendRequest> batch = takeQueued();
        if (batch.isEmpty()) {
            return null;
        }
        InFlight before = last;
        if (before != null) {
            InFlight older = before.dependsOn;
            if (older != null) {
                older.awaitDone(); // at most one batch (before) commits while this one is checked and sent
            }
            if ((older != null && !older.committed()) || (before.done() && !before.committed())) {
                before.awaitDone(); // an earlier batch failed, so does before: start again from the index
                before = null;
            } else if (before.done()) {
                // committed: its events are in the index. Seeding from it anyway deferred a retry of its event ids
                // again and again (a busy loop, found by the conformance suite's idempotent-retry test)
                before = null;
            }
        }
        // A batch that failed with an unknown outcome (its commit may have gone through, its events may be missing
        // from the index) made its partitions not ready before it was done; the waits above may have let one finish.
        // The requests were taken from the queue before that: checked now against the index they could store an
        // event a second time or reuse a version, so look at `ready` again (a batch failing after this point is
        // `before`, whose failure aborts this one at its commit)
        batch = stillReady(batch);
        if (batch.isEmpty()) {
            return null;
        }
        // the batches before `before` are committed, so in the index: only before's own events are not
        Batch.Overlay overlay = before == null ? Batch.Overlay.EMPTY.copy() : before.own.copy();
        List<AppendRequest> deferred = new ArrayList<>();
        List<AppendRequest> toWrite = Batch.check(batch, reader, deferred, overlay);
        pending.addAll(deferred);
        if (toWrite.isEmpty()) {
            if (!deferred.isEmpty() && before != null) {
                before.awaitDone(); // they repeat event ids of the batch committing: check them after it
            }
            return null;
        }
        int slot = before == null ? nextSlot : (before.slot + 1) % producers.length();
        nextSlot = (slot + 1) % producers.length();
        Instant now = options.clock().instant();
        KafkaProducer<byte[], byte[]> p;
        try {
            p = producer(slot);
        } catch (KafkaException e) {
            toWrite.forEach(r -> r.fail(new StoreUnavailableException(
                    "cannot start a transactional producer: " + e.getMessage() + " (not stored; retry)", e)));
            return null;
        }
        long t0 = System.nanoTime();
        List<List<Future<RecordMetadata>>> sent;
        boolean begun = false;
        try {
            p.beginTransaction();
            begun = true;
            sent = Batch.send(p, options, toWrite, now);
            sendFence(p, toWrite, group.get());
            p.flush();
            for (List<Future<RecordMetadata>> own : sent) {
                for (Future<RecordMetadata> f : own) {
                    f.get(); // acknowledged (or the send failed: abort)
                }
            }
        } catch (RuntimeException | ExecutionException | InterruptedException e) {
            failed(slot, p, begun, toWrite, e);
            return null;
        }
        InFlight b = new InFlight(before, Batch.Overlay.of(toWrite, overlay), slot);
        last = b;
        long sentAt = System.nanoTime();
        List<List<Future<RecordMetadata>>> written = sent;
        return () -> commit(b, p, toWrite, written, now, sentAt - t0);
    }

    /**
     * The second step of a pipelined batch, without the lock: once the batch before it is done, commits (or aborts, if
     * that one did not commit: this batch was checked against its events), records what was written and completes the
     * requests.
     */
    private void commit(
            InFlight b,
            KafkaProducer<byte[], byte[]> p,
            List<AppendRequest> requests,
            List<List<Future<RecordMetadata>>> sent,
            Instant now,
            long sendNanos) {
        boolean committed = false;
        try {
            InFlight before = b.dependsOn;
            if (before != null) {
                before.awaitDone();
            }
            if (before != null && !before.committed()) {
                if (!abort(p)) {
                    replace(b.slot); // re-initializing the transactional.id aborts it
                }
                requests.forEach(r -> r.fail(new StoreUnavailableException("the append to partition " + r.partition
                        + " was not stored: a batch before it failed (retry)")));
                return;
            }
            long t1 = System.nanoTime();
            p.commitTransaction();
            long t2 = System.nanoTime();
            Batch.recordCommitted(requests, sent, options, cache, indexer, indexes, now);
            committed = true;
            WriterStats.committed(requests.size(), WriterStats.events(requests), sendNanos, t2 - t1);
        } catch (RuntimeException | ExecutionException | InterruptedException e) {
            failed(b.slot, p, true, requests, e);
        } finally {
            b.finish(committed);
        }
    }

    /**
     * A transaction of {@code slot} failed: aborts it or replaces the producer, and fails the requests. When it may
     * have committed anyway (its commit was on its way, or it committed and recording it failed), its partitions stop
     * being ready: this node's index may lack its events, and checking the next appends against it would store a
     * retry of them a second time. The ownership thread takes them over again, which waits until the transaction has
     * ended and the index has caught up ({@link NodeWriter}).
     */
    private void failed(
            int slot, KafkaProducer<byte[], byte[]> p, boolean begun, List<AppendRequest> requests, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            unready(requests);
            requests.forEach(r -> r.fail(new StoreUnavailableException("interrupted while appending", e)));
            restart(slot);
        } else if (e instanceof ProducerFencedException || e instanceof InvalidProducerEpochException) {
            LOG.warn("node writer slot {} was fenced: {}", slot, e.toString());
            replace(slot);
            requests.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), r.partition, e)));
        } else if (begun && abort(p)) {
            // aborted: nothing of it is stored; a stale generation means the group moved on (ownership changes)
            requests.forEach(r -> r.fail(new NotPartitionOwnerException(options.topic(), r.partition, e)));
        } else {
            unready(requests);
            requests.forEach(r -> r.fail(new StoreUnavailableException(
                    "the append to partition " + r.partition + " failed; it may or may not be stored (retry with"
                            + " the same event ids, which is idempotent): " + e.getMessage(),
                    e)));
            restart(slot); // re-initializing the transactional.id ends the transaction either way
        }
    }

    /** Makes the partitions of {@code requests} not ready until they are taken over again. */
    private void unready(List<AppendRequest> requests) {
        requests.forEach(r -> ready.remove(r.partition));
    }

    /** Checks and writes the queued requests. Caller holds {@code lock}. */
    private void runBatch() {
        List<AppendRequest> batch = takeQueued();
        List<AppendRequest> deferred = new ArrayList<>();
        List<AppendRequest> toWrite = Batch.check(batch, reader, deferred);
        if (!toWrite.isEmpty()) {
            int slot = nextSlot;
            nextSlot = (nextSlot + 1) % producers.length();
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
            long t0 = System.nanoTime();
            p.beginTransaction();
            begun = true;
            List<List<Future<RecordMetadata>>> sent = Batch.send(p, options, requests, now);
            sendFence(p, requests, g);
            long t1 = System.nanoTime();
            p.commitTransaction();
            long t2 = System.nanoTime();
            Batch.recordCommitted(requests, sent, options, cache, indexer, indexes, now);
            WriterStats.committed(requests.size(), WriterStats.events(requests), t1 - t0, t2 - t1);
        } catch (KafkaException | IllegalStateException | ExecutionException | InterruptedException e) {
            failed(slot, p, begun, requests, e); // the pipelined path's handling: fenced, aborted or replaced
        }
    }

    /** Commits an offset per written partition with the group's metadata: the generation fence. */
    private void sendFence(
            KafkaProducer<byte[], byte[]> p, List<AppendRequest> requests, @Nullable ConsumerGroupMetadata g) {
        Map<TopicPartition, OffsetAndMetadata> fence = new HashMap<>();
        for (AppendRequest r : requests) {
            fence.put(new TopicPartition(options.topic(), r.partition), new OffsetAndMetadata(0, "hindsight"));
        }
        if (g == null) {
            throw new IllegalStateException("no group metadata before the first assignment");
        }
        p.sendOffsetsToTransaction(fence, g);
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

    /**
     * Replaces the producer of {@code slot} with one initialized at once: that ends the failed transaction now (aborted
     * if still open, completed if its commit was on its way) rather than at the transaction timeout, which a takeover
     * of its partitions would wait for. If that fails, the next batch on the slot tries again.
     */
    private void restart(int slot) {
        replace(slot);
        boolean interrupted = Thread.interrupted(); // an interrupted thread could not wait for the initialization
        try {
            producer(slot);
        } catch (KafkaException e) {
            LOG.debug("re-initializing producer slot {} failed: {}", slot, e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Closes the producer of {@code slot}; the next batch on it starts a new one. Caller holds {@code lock}. */
    private void replace(int slot) {
        KafkaProducer<byte[], byte[]> p = producers.getAndSet(slot, null);
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
            if (last != null) {
                last.awaitDone();
            }
            for (int slot = 0; slot < producers.length(); slot++) {
                replace(slot);
            }
        } finally {
            GroupCommit.release(lock, pending);
        }
    }

    /** A pipelined batch: sent, its commit pending or done. */
    private static final class InFlight {
        /** The batch this one was checked against (its events were in the overlay), null if none was committing. */
        final @Nullable InFlight dependsOn;
        /** What this batch adds to the index: its aggregates' new tails and its event ids. */
        final Batch.Overlay own;

        final int slot;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean committed;

        InFlight(@Nullable InFlight dependsOn, Batch.Overlay own, int slot) {
            this.dependsOn = dependsOn;
            this.own = own;
            this.slot = slot;
        }

        void finish(boolean committed) {
            this.committed = committed;
            done.countDown();
        }

        boolean done() {
            return done.getCount() == 0;
        }

        /** Whether it committed; meaningful once {@link #done}. */
        boolean committed() {
            return committed;
        }

        void awaitDone() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
