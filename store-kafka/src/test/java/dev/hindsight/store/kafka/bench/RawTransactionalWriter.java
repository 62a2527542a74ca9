package dev.hindsight.store.kafka.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ceiling of any writer that acknowledges an append only after a Kafka transaction commits: raw transactional
 * producers with group commit and nothing else (no checks, no index, no ownership). Appenders queue their records at
 * the lane of their partition ({@code partition % lanes}); the lane's thread takes everything queued (up to
 * {@value #MAX_BATCH} appends), begins a transaction on its next producer ({@code slots} per lane, used in turn),
 * sends it all, optionally commits an offset per written partition to a group (the engine's generation fence,
 * {@code sendOffsetsToTransaction}), waits for the acknowledgements, and commits; every append of the batch completes
 * after the commit. With one slot the lane commits before it takes the next batch; with more, the commit runs on the
 * slot's own thread while the lane sends the next batch on the next slot (transactions overlap; they still commit in
 * order). Thread-safe: {@link #append} may be called from any thread.
 */
final class RawTransactionalWriter implements AutoCloseable {
    private static final int MAX_BATCH = 1024;

    private final List<Lane> lanes = new ArrayList<>();
    private final boolean fence;
    private final LongAdder transactions = new LongAdder();
    private final LongAdder appends = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder sendNanos = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();

    /**
     * @param lanes lanes (each the partitions {@code p % lanes})
     * @param slots transactional producers per lane, used in turn; more than one overlaps a commit with the next send
     * @param fence whether each transaction also commits offsets to a group, as the engine's node writer does
     * @param settings producer settings beside the transactional ones (compression, batch.size, ...)
     */
    RawTransactionalWriter(
            String bootstrap, String name, int lanes, int slots, boolean fence, Map<String, Object> settings) {
        this.fence = fence;
        for (int i = 0; i < lanes; i++) {
            List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
            for (int s = 0; s < slots; s++) {
                Map<String, Object> c = new HashMap<>(settings);
                c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + name + "-" + i + "-" + s);
                c.put(ProducerConfig.ACKS_CONFIG, "all");
                c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
                // as the engine's writers: short retries of CONCURRENT_TRANSACTIONS between back-to-back transactions
                c.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
                c.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
                KafkaProducer<byte[], byte[]> p =
                        new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
                p.initTransactions();
                producers.add(p);
            }
            Lane lane = new Lane(producers, "bench-" + name + "-" + i);
            this.lanes.add(lane);
            lane.thread.start();
        }
    }

    /** Writes {@code records} (all to {@code partition}) in the next transaction and returns once it committed. */
    void append(int partition, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Request r = new Request(partition, records);
        lanes.get(partition % lanes.size()).queue.add(r);
        r.done.get();
    }

    /** Transactions, appends, events, send ms, commit ms since the last call. */
    long[] snapshotAndReset() {
        return new long[] {
            transactions.sumThenReset(),
            appends.sumThenReset(),
            events.sumThenReset(),
            sendNanos.sumThenReset() / 1_000_000,
            commitNanos.sumThenReset() / 1_000_000
        };
    }

    @Override
    public void close() {
        for (Lane lane : lanes) {
            lane.thread.interrupt();
            try {
                lane.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lane.committers.shutdownNow();
            lane.producers.forEach(p -> p.close(Duration.ofSeconds(5)));
        }
    }

    private record Request(int partition, List<ProducerRecord<byte[], byte[]>> records, CompletableFuture<Void> done) {
        Request(int partition, List<ProducerRecord<byte[], byte[]>> records) {
            this(partition, records, new CompletableFuture<>());
        }
    }

    /** The producers of one lane and the thread that sends its transactions, one batch at a time. */
    private final class Lane {
        final List<KafkaProducer<byte[], byte[]>> producers;
        final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
        final Thread thread;
        final ExecutorService committers = Executors.newCachedThreadPool();
        /** Per slot: done when the slot's last transaction is done (committed or failed). Lane thread only. */
        final List<CompletableFuture<Void>> slotDone = new ArrayList<>();

        Lane(List<KafkaProducer<byte[], byte[]>> producers, String name) {
            this.producers = producers;
            producers.forEach(p -> slotDone.add(CompletableFuture.completedFuture(null)));
            this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
        }

        void run() {
            CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
            int slot = 0;
            while (true) {
                List<Request> batch = new ArrayList<>();
                try {
                    batch.add(queue.take());
                    queue.drainTo(batch, MAX_BATCH - 1);
                    slotDone.get(slot).join(); // the slot's producer is free again
                } catch (InterruptedException e) {
                    return;
                }
                KafkaProducer<byte[], byte[]> p = producers.get(slot);
                long t0 = System.nanoTime();
                int n;
                try {
                    n = send(p, batch);
                } catch (Exception e) {
                    fail(p, batch, e);
                    if (e instanceof InterruptedException) {
                        return;
                    }
                    continue;
                }
                long sent = System.nanoTime() - t0;
                CompletableFuture<Void> before = previous;
                CompletableFuture<Void> done = new CompletableFuture<>();
                Runnable commit = () -> {
                    try {
                        before.exceptionally(e -> null).join(); // commit in order
                        long t1 = System.nanoTime();
                        p.commitTransaction();
                        commitNanos.add(System.nanoTime() - t1);
                        sendNanos.add(sent);
                        transactions.increment();
                        appends.add(batch.size());
                        events.add(n);
                        batch.forEach(r -> r.done.complete(null));
                    } catch (RuntimeException e) {
                        fail(p, batch, e);
                    } finally {
                        done.complete(null);
                    }
                };
                slotDone.set(slot, done);
                previous = done;
                if (producers.size() == 1) {
                    commit.run();
                } else {
                    committers.execute(commit);
                }
                slot = (slot + 1) % producers.size();
            }
        }

        @SuppressWarnings("removal") // a group metadata without a member: the same offset commit, no generation check
        private int send(KafkaProducer<byte[], byte[]> p, List<Request> batch) throws Exception {
            p.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (Request r : batch) {
                for (ProducerRecord<byte[], byte[]> record : r.records) {
                    sent.add(p.send(record));
                }
                offsets.put(new TopicPartition(r.records.getFirst().topic(), r.partition), new OffsetAndMetadata(0));
            }
            if (fence) {
                p.sendOffsetsToTransaction(
                        offsets, new ConsumerGroupMetadata("bench-raw-fence", -1, "", java.util.Optional.empty()));
            }
            p.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
            return sent.size();
        }

        private static void fail(KafkaProducer<byte[], byte[]> p, List<Request> batch, Exception e) {
            batch.forEach(r -> r.done.completeExceptionally(e));
            try {
                p.abortTransaction();
            } catch (RuntimeException fatal) {
                // the producer cannot go on: later appends to this slot fail, and the cell shows it
            }
        }
    }
}
