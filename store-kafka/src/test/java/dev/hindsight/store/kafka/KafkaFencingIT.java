package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.StoreUnavailableException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two engine instances on one topic. The owner is frozen (its ownership thread stalls, as a paused or partitioned node
 * would), the second takes its partitions over and fences its producers: the frozen owner's late appends fail and
 * store nothing, while writers that retry on whichever node answers lose and duplicate nothing.
 */
class KafkaFencingIT extends SharedKafkaCluster {
    private static KafkaOptions options(String topic, String node) {
        return KafkaOptions.defaults(cluster.bootstrapServers(), topic, dir.resolve(node))
                .withTopicLayout(2, 1, 1)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(15));
    }

    @Test
    void frozenOwner_afterTakeover_isFencedAndWritersLoseNothing() throws Exception {
        KafkaEventLog a = KafkaEventLog.open(options("fence", "a"));
        KafkaEventLog[] b = new KafkaEventLog[1];
        try {
            EventStore storeA = EventStore.of(a);
            assertThat(a.ownedPartitions()).containsExactly(0, 1);
            Appenders writers = new Appenders(4, "acct", attempt -> {
                KafkaEventLog node = attempt % 2 == 0 || b[0] == null ? a : b[0];
                return EventStore.of(node);
            });
            try {
                Thread.sleep(500);
                a.freezeOwnership();
                long t0 = System.nanoTime();
                b[0] = KafkaEventLog.open(options("fence", "b"));
                System.out.printf("takeover by the second node: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
                assertThat(b[0].ownedPartitions()).containsExactly(0, 1);

                // the frozen node still believes it owns both partitions: its writes must be fenced
                for (int i = 0; i < 8; i++) {
                    String aggregate = "late-" + i;
                    EventData late = EventData.of("Late", "{}").withId(UUID.randomUUID());
                    assertThatThrownBy(() -> storeA.append(aggregate, ExpectedVersion.ANY, late))
                            .isInstanceOf(StoreUnavailableException.class);
                    assertThat(b[0].readAggregate(aggregate, 1, 10, ReadDirection.FORWARD))
                            .isEmpty();
                }
                Thread.sleep(1000);
                a.thawOwnership(); // it rejoins; partitions are shared again and move back
                Thread.sleep(4000);
            } finally {
                writers.stop();
            }
            System.out.printf(
                    "acknowledged %d events, %d failed attempts retried%n",
                    writers.acknowledgedCount(), writers.failedAttempts());
            assertThat(writers.acknowledgedCount()).isGreaterThan(20);
            assertThat(writers.failedAttempts()).isPositive();
            awaitSameHead(a, b[0]);
            writers.assertLogHoldsExactlyTheAcknowledged(a);
            writers.assertLogHoldsExactlyTheAcknowledged(b[0]);
            for (int i = 0; i < 8; i++) {
                assertThat(a.aggregateVersion("late-" + i)).isZero();
            }
        } finally {
            a.close();
            if (b[0] != null) {
                b[0].close();
            }
        }
    }

    private static void awaitSameHead(KafkaEventLog a, KafkaEventLog b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!a.head().equals(b.head()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(a.head()).isEqualTo(b.head());
    }
}
