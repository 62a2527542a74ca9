package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreUnavailableException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/**
 * A node whose indexer or ownership thread died (a failure the loop does not expect) says so through
 * {@code stoppedReason()} ({@code GET /health} answers 503, a supervisor restarts it), and its appends fail with that
 * reason instead of going on as if the node were whole (indexer) or answering "not the owner, retry" while no other
 * node owns the partitions yet (ownership). The failure is real: each thread's Kafka consumer is single-threaded, and
 * the test occupies it from another thread ({@code poll}), so the thread's next call throws
 * {@link ConcurrentModificationException}, an exception its loop does not handle.
 */
class KafkaStoppedThreadIT extends SharedKafkaCluster {
    private static KafkaOptions options(String topic) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve(topic))
                .withTopicLayout(1, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
    }

    @Test
    void deadIndexer_isTheStoppedReason_andAppendsFailWithIt() throws Exception {
        stopped("stopped-indexer", "indexer", "the indexer of topic 'stopped-indexer' stopped");
    }

    @Test
    void deadOwnershipThread_isTheStoppedReason_andAppendsFailWithIt() throws Exception {
        stopped("stopped-ownership", "ownership", "the ownership of topic 'stopped-ownership' stopped");
    }

    private static void stopped(String topic, String thread, String reason) throws Exception {
        try (KafkaEventLog log = KafkaEventLog.open(options(topic))) {
            EventStore store = EventStore.of(log);
            store.append("acct-1", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
            assertThat(log.stoppedReason()).isEmpty();

            KafkaConsumer<?, ?> consumer = consumerOf(field(log, thread));
            occupy(consumer);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (log.stoppedReason().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(log.stoppedReason())
                    .hasValueSatisfying(
                            r -> assertThat(r).contains(reason).contains("ConcurrentModificationException"));
            assertThatThrownBy(() -> store.append("acct-1", ExpectedVersion.ANY, EventData.of("Deposited", "{}")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(reason);
            try {
                consumer.close(); // the dead thread could not close it while the test held it
            } catch (RuntimeException e) {
                // already closed by the thread
            }
        }
    }

    /**
     * Polls {@code consumer} from this thread until one poll gets in (the owning thread is between two calls), and holds
     * it for a second: the owning thread's next call fails.
     */
    private static void occupy(KafkaConsumer<?, ?> consumer) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            try {
                consumer.poll(Duration.ofSeconds(1));
                return;
            } catch (ConcurrentModificationException e) {
                Thread.onSpinWait();
            } catch (IllegalStateException e) {
                return; // closed: the thread failed and closed it
            }
        }
        throw new AssertionError("could not get into the consumer");
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    private static KafkaConsumer<?, ?> consumerOf(Object threadOwner) throws ReflectiveOperationException {
        return (KafkaConsumer<?, ?>) field(threadOwner, "consumer");
    }
}
