package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.kafka.internal.RecordCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fields and set-up every IT on the {@link KafkaTestCluster#shared() shared} 1-broker cluster repeats: the cluster
 * and a temporary directory for the nodes' indexes (one per test class). Test classes extend it and keep to topics of
 * their own names. Not for tests that stop, kill or resize brokers: they start their own cluster.
 */
abstract class SharedKafkaCluster {
    @TempDir
    static Path dir;

    static KafkaTestCluster cluster;

    @BeforeAll
    static void startSharedCluster() throws Exception {
        cluster = KafkaTestCluster.shared();
    }

    /**
     * Runs {@code open} with the system property {@code key} set to {@code value} (the engine reads its writer switches
     * when a log opens), then restores the property.
     */
    static <T> T withProperty(String key, String value, Supplier<T> open) {
        String before = System.setProperty(key, value);
        try {
            return open.get();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    /** An aggregate id ({@code acct-N}) that a 2-partition topic puts in {@code partition}. */
    static String aggregateIn(int partition) {
        for (int i = 0; ; i++) {
            if (RecordCodec.partitionOf("acct-" + i, 2) == partition) {
                return "acct-" + i;
            }
        }
    }

    /** Waits up to 20 s until {@code node} owns {@code n} partitions, then asserts it. */
    static void awaitOwned(KafkaEventLog node, int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (node.ownedPartitions().size() != n && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(node.ownedPartitions()).hasSize(n);
    }

    /**
     * {@code node}'s record cache, whose monitor its indexer takes for every event it records: a test that holds it
     * stops the indexer at the next record.
     */
    static Object recordCache(KafkaEventLog node) throws ReflectiveOperationException {
        java.lang.reflect.Field f = KafkaEventLog.class.getDeclaredField("cache");
        f.setAccessible(true);
        return f.get(node);
    }
}
