package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.kafka.KafkaOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;

/** Creates the store's topic if it is missing. Stateless, thread-safe. */
public final class TopicSetup {
    private TopicSetup() {}

    /**
     * Makes sure the topic exists: creates it with the options' partitions, replication and {@code min.insync.replicas}
     * (compression as the producer sends it), or takes an existing topic's partition count.
     *
     * @return the options with the topic's actual partition count
     */
    public static KafkaOptions ensureTopic(KafkaOptions o, String clientPrefix) {
        try (Admin admin = Admin.create(Clients.admin(o, clientPrefix + "-admin"))) {
            TopicDescription d = describe(admin, o.topic());
            if (d == null) {
                NewTopic t = new NewTopic(o.topic(), o.partitions(), o.replicationFactor())
                        .configs(Map.of(
                                "min.insync.replicas", Integer.toString(o.minInsyncReplicas()),
                                "compression.type", "producer",
                                "retention.ms", "-1"));
                try {
                    admin.createTopics(List.of(t)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                long deadline = System.nanoTime() + o.requestTimeout().toNanos();
                while ((d = describe(admin, o.topic())) == null || !hasLeaders(d)) {
                    if (System.nanoTime() > deadline) {
                        throw new StoreUnavailableException(
                                "topic '" + o.topic() + "' was created but has no leaders yet");
                    }
                    Thread.sleep(20);
                }
            }
            int partitions = d.partitions().size();
            return o.withTopicLayout(partitions, o.replicationFactor(), o.minInsyncReplicas());
        } catch (ExecutionException e) {
            throw new StoreUnavailableException(
                    "cannot set up topic '" + o.topic() + "': " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while setting up topic '" + o.topic() + "'", e);
        }
    }

    private static boolean hasLeaders(TopicDescription d) {
        return d.partitions().stream()
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    /**
     * Bytes the topic's partitions take in the brokers' log directories, every replica counted (what the cluster
     * stores on disk for this store).
     *
     * @throws StoreUnavailableException if the brokers cannot be asked
     */
    public static long diskBytes(KafkaOptions o, String clientPrefix) {
        try (Admin admin = Admin.create(Clients.admin(o, clientPrefix + "-admin"))) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream()
                    .map(org.apache.kafka.common.Node::id)
                    .toList();
            long bytes = 0;
            for (var dirs :
                    admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (var dir : dirs.values()) {
                    for (var e : dir.replicaInfos().entrySet()) {
                        if (e.getKey().topic().equals(o.topic())) {
                            bytes += e.getValue().size();
                        }
                    }
                }
            }
            return bytes;
        } catch (ExecutionException e) {
            throw new StoreUnavailableException(
                    "cannot measure topic '" + o.topic() + "': " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while measuring topic '" + o.topic() + "'", e);
        }
    }

    private static @Nullable TopicDescription describe(Admin admin, String topic)
            throws InterruptedException, ExecutionException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }
}
