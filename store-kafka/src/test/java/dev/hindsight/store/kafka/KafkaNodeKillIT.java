package dev.hindsight.store.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node dies with SIGKILL (a child JVM, {@link KafkaNodeProcess}) while appending, sharing the topic with a second
 * node: the survivor takes the dead node's partitions within the session timeout plus its catch-up, every append the
 * dead node acknowledged is stored exactly once at its version, and the survivor continues each aggregate at the exact
 * next version.
 */
class KafkaNodeKillIT {
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private final List<String> acks = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);

    @Test
    void owningNodeKilled_survivorTakesOverAndNothingAcknowledgedIsLost() throws Exception {
        KafkaTestCluster cluster = KafkaTestCluster.shared(); // a node is killed here, not a broker
        Process child = startChild(cluster);
        try {
            assertThat(ready.await(60, TimeUnit.SECONDS)).as("child node ready").isTrue();
            KafkaOptions options = KafkaOptions.defaults(cluster.bootstrapServers(), "killed", dir.resolve("survivor"))
                    .withTopicLayout(PARTITIONS, 1, 1)
                    .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(6), Duration.ofSeconds(30));
            try (KafkaEventLog survivor = KafkaEventLog.open(options)) {
                killWhileAppending(child, survivor);
            }
        } finally {
            child.destroyForcibly();
        }
    }

    private void killWhileAppending(Process child, KafkaEventLog survivor) throws Exception {
        // both nodes are members now: the child keeps appending to the partitions the group leaves it
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (acks.size() < 50 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<Integer> before = survivor.ownedPartitions();
        child.destroyForcibly(); // SIGKILL: no LeaveGroup, no producer close
        child.waitFor();
        long killedAt = System.nanoTime();
        List<String> acked = List.copyOf(acks);
        assertThat(acked.size()).as("the child acknowledged appends").isGreaterThanOrEqualTo(50);
        assertThat(before).as("the child owned partitions").hasSizeLessThan(PARTITIONS);

        while (survivor.ownedPartitions().size() < PARTITIONS
                && System.nanoTime() - killedAt < Duration.ofSeconds(30).toNanos()) {
            Thread.sleep(20);
        }
        long takeover = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.printf(
                "survivor owned %s before the kill; %d appends acknowledged by the killed node; survivor owns all"
                        + " partitions %d ms after the kill%n",
                before, acked.size(), takeover);
        assertThat(survivor.ownedPartitions()).hasSize(PARTITIONS);
        assertThat(takeover).as("takeover within 10 s of the kill").isLessThan(10_000);

        Map<String, List<String[]>> byAggregate = new HashMap<>();
        for (String line : acked) {
            String[] f = line.split(" ");
            byAggregate.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f);
        }
        EventStore store = EventStore.of(survivor);
        for (Map.Entry<String, List<String[]>> e : byAggregate.entrySet()) {
            List<RecordedEvent> stored =
                    survivor.readAggregate(e.getKey(), 1, Integer.MAX_VALUE, ReadDirection.FORWARD);
            for (int v = 0; v < stored.size(); v++) {
                assertThat(stored.get(v).version()).isEqualTo(v + 1L);
            }
            assertThat(stored.stream().map(RecordedEvent::eventId).distinct().count())
                    .isEqualTo(stored.size());
            for (String[] f : e.getValue()) {
                assertThat(stored.get(Integer.parseInt(f[2]) - 1).eventId()).isEqualTo(UUID.fromString(f[3]));
            }
            long next = stored.size();
            EventData after = EventData.of("After", "{}").withId(UUID.randomUUID());
            assertThat(store.append(e.getKey(), ExpectedVersion.exact(next), after)
                            .lastVersion())
                    .isEqualTo(next + 1);
        }
    }

    private Process startChild(KafkaTestCluster cluster) throws IOException {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        KafkaNodeProcess.class.getName(),
                        cluster.bootstrapServers(),
                        "killed",
                        dir.resolve("child").toString(),
                        Integer.toString(PARTITIONS))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else if (line.startsWith("ACK ")) {
                        acks.add(line);
                    }
                }
            } catch (IOException e) {
                // the child died
            }
        });
        return child;
    }
}
