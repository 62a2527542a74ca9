package dev.hindsight.store.kafka.internal;

import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition ownership through a consumer group ({@code hindsight-owners-<topic>}): this node writes exactly the
 * partitions the group assigns to its member. The member never reads records (its partitions are paused); its thread
 * only polls, which keeps the membership alive and runs the rebalance callbacks: the {@link Writers} take assigned
 * partitions over (fencing the previous owner, catching up) and stop writing revoked or lost ones.
 * A node whose thread stalls longer than {@code max.poll.interval.ms}, or that stops heartbeating for the session
 * timeout, loses its partitions to the others, which fence its writes (see the {@link Writers} implementations).
 *
 * <p>Thread-safe: the consumer is confined to the ownership thread.
 */
public final class Ownership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

    private final KafkaOptions options;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String clientId;
    private final Writers writers;
    private final CountDownLatch firstAssignment = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile @Nullable CountDownLatch frozen;
    private volatile @Nullable Throwable failure;
    /**
     * Whether the last poll ran an assignment (whose takeover gets half of max.poll.interval); ownership thread only.
     */
    private boolean assignedInPoll;

    /**
     * @param advertisedUrl this node's HTTP base URL, published to the other nodes through the group (see
     *     {@link OwnerDirectory}), or null
     * @param tag a tag published the same way, or null
     */
    public Ownership(
            KafkaOptions options,
            String clientPrefix,
            @Nullable String advertisedUrl,
            @Nullable String tag,
            Writers writers) {
        this.options = options;
        this.writers = writers;
        this.clientId = OwnerDirectory.clientId(clientPrefix + "-owner", advertisedUrl, tag);
        this.consumer = Clients.owner(options, clientId);
        this.thread = Thread.ofPlatform()
                .name("hindsight-kafka-ownership-" + options.topic())
                .daemon(true)
                .unstarted(this::run);
    }

    public Ownership start() {
        consumer.subscribe(List.of(options.topic()), new Listener());
        thread.start();
        return this;
    }

    /** Waits until the group has assigned this node its first partitions (possibly none) and they are ready. */
    public boolean awaitFirstAssignment(Duration timeout) throws InterruptedException {
        return firstAssignment.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node's member client id in the group. */
    public String clientId() {
        return clientId;
    }

    /** Why the ownership thread stopped, if it failed (not if it was closed): this node writes nothing more. */
    public Optional<String> stoppedReason() {
        Throwable f = failure;
        return f == null
                ? Optional.empty()
                : Optional.of("the ownership of topic '" + options.topic() + "' stopped (" + f
                        + "): this node writes nothing more; reopen the store to recover");
    }

    /** Partitions this node owns and writes now. */
    public List<Integer> ownedPartitions() {
        return writers.ready();
    }

    private void run() {
        try {
            while (running) {
                CountDownLatch f = frozen;
                if (f != null) {
                    f.await();
                    continue;
                }
                assignedInPoll = false;
                consumer.poll(Duration.ofMillis(200));
                if (assignedInPoll) {
                    // the assignment's takeover ran inside this poll and may have used its half of
                    // max.poll.interval: another takeover now could keep the thread from polling in time
                    continue;
                }
                // a writer stopped by a failed transaction is taken up again, but only while the group still
                // assigns its partition to this node (else this node would fence the rightful owner)
                writers.retryFailed(
                        consumer.assignment().stream()
                                .map(TopicPartition::partition)
                                .collect(Collectors.toSet()),
                        this::stableOffsets);
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("ownership of topic {} stopped: this node writes nothing more", options.topic(), e);
        } finally {
            try {
                consumer.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the ownership consumer", e);
            }
            writers.close();
            firstAssignment.countDown();
        }
    }

    /**
     * Stops the ownership thread without telling anyone, as a stalled or partitioned node would (tests only): the
     * node keeps believing it owns its partitions until {@link #thaw()}.
     */
    public void freeze() {
        frozen = new CountDownLatch(1);
    }

    public void thaw() {
        CountDownLatch f = frozen;
        frozen = null;
        if (f != null) {
            f.countDown();
        }
    }

    @Override
    public void close() {
        running = false;
        thaw();
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the ownership thread: whether no transactional offset commit to {@code partitions} is pending. */
    private boolean stableOffsets(Collection<Integer> partitions, Duration timeout) {
        try {
            consumer.committed(
                    partitions.stream()
                            .map(p -> new TopicPartition(options.topic(), p))
                            .collect(Collectors.toSet()),
                    timeout);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignedInPoll = true;
            consumer.pause(partitions);
            writers.onAssigned(
                    partitions.stream().map(TopicPartition::partition).toList(),
                    consumer.groupMetadata(),
                    Ownership.this::stableOffsets);
            if (!partitions.isEmpty()) {
                LOG.info("owns partitions {} of topic {}", ownedPartitions(), options.topic());
            }
            firstAssignment.countDown();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            writers.onRevoked(partitions.stream().map(TopicPartition::partition).toList());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            writers.onRevoked(partitions.stream().map(TopicPartition::partition).toList());
        }
    }
}
