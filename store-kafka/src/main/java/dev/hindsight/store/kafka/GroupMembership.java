package dev.hindsight.store.kafka;

import dev.hindsight.store.kafka.internal.Clients;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership of this process in a consumer group over a store's topic, for processes that split the partitions'
 * work between them (the {@code read-model} role): the group assigns each partition to one member, cooperatively
 * (only the partitions that move are revoked). The member never reads records through the group (its partitions are
 * paused; the work reads through the store's index); its thread only polls, which keeps the membership alive and runs
 * the {@link PartitionListener}. A member silent for the session timeout (killed, stalled) loses its partitions to
 * the others. Thread-safe: the consumer is confined to the membership's thread.
 */
public final class GroupMembership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMembership.class);

    private final String topic;
    private final String group;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PartitionListener listener;
    private final Thread thread;
    private final Set<Integer> held = new TreeSet<>(); // guarded by this
    private volatile boolean running = true;

    GroupMembership(KafkaOptions options, String clientId, String group, PartitionListener listener) {
        this.topic = options.topic();
        this.group = group;
        this.listener = listener;
        this.consumer = Clients.member(options, clientId, group);
        this.thread = Thread.ofPlatform()
                .name("hindsight-kafka-group-" + group)
                .daemon(true)
                .unstarted(this::run);
    }

    GroupMembership start() {
        consumer.subscribe(List.of(topic), new Listener());
        thread.start();
        return this;
    }

    /** The group's name. */
    public String group() {
        return group;
    }

    /** The partitions the group assigns this member now, ascending. */
    public synchronized List<Integer> partitions() {
        return List.copyOf(held);
    }

    private void run() {
        try {
            while (running) {
                consumer.poll(Duration.ofMillis(200));
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("membership of group {} stopped: this process works on no partition more", group, e);
            List<Integer> all = partitions();
            revoke(all);
        } finally {
            try {
                consumer.close(); // revokes what it holds through the listener, then leaves the group
            } catch (RuntimeException e) {
                LOG.debug("closing the member of group {}", group, e);
            }
        }
    }

    private void revoke(Collection<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        synchronized (this) {
            held.removeAll(partitions);
        }
        listener.revoked(List.copyOf(partitions));
    }

    /** Leaves the group (its partitions are revoked through the listener first) and stops the thread. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            consumer.pause(partitions);
            List<Integer> ps =
                    partitions.stream().map(TopicPartition::partition).sorted().toList();
            synchronized (GroupMembership.this) {
                held.addAll(ps);
            }
            LOG.info("group {}: assigned partitions {} of topic {}", group, ps, topic);
            listener.assigned(ps);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            List<Integer> ps =
                    partitions.stream().map(TopicPartition::partition).sorted().toList();
            if (!ps.isEmpty()) {
                LOG.info("group {}: partitions {} of topic {} revoked", group, ps, topic);
            }
            revoke(ps);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            List<Integer> ps =
                    partitions.stream().map(TopicPartition::partition).sorted().toList();
            if (!ps.isEmpty()) {
                LOG.warn("group {}: partitions {} of topic {} lost (session expired)", group, ps, topic);
            }
            revoke(ps);
        }
    }
}
