package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The relay's crash test for any store and queue: rounds of appending events to the store, starting
 * {@code serve … --publish URL} in a child JVM, {@code kill -9} of it once the consumer saw part of the round, and a
 * restart until the consumer saw every committed event; then every aggregate's events arrived in order (first
 * sightings), duplicates allowed. Closing kills a child still running. Not thread-safe.
 */
final class RelayKill9Rounds implements AutoCloseable {
    /** Appends round {@code round} to the store (no server runs) and adds each event id to {@code expected}. */
    @FunctionalInterface
    interface Appender {
        void append(int round, Map<String, List<String>> expected) throws Exception;
    }

    private static final int AGGREGATES = 50;
    private static final int EVENTS_PER_AGGREGATE_PER_ROUND = 200;

    private final List<String> serveArgs;
    private final Path err;
    private final Appender appender;
    private Process child;

    /**
     * @param serveArgs {@code serve} and its store options, without {@code --publish}
     * @param err the file the children's standard error is appended to
     */
    RelayKill9Rounds(List<String> serveArgs, Path err, Appender appender) {
        this.serveArgs = List.copyOf(serveArgs);
        this.err = err;
        this.appender = appender;
    }

    void run(int rounds, String url, RelayReader reader) throws Exception {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            appender.append(round, expected);
            int total = expected.values().stream().mapToInt(List::size).sum();
            int before = reader.ids().size();
            int finalRound = round;

            startChild(url);
            assertThat(reader.pollUntil(ids -> ids.size() > before, Duration.ofSeconds(60)))
                    .as(() -> "round " + finalRound + ": the relay publishes; the children's stderr ends with:\n"
                            + RoleProcess.tail(err))
                    .isTrue();
            child.destroyForcibly(); // kill -9, mid-stream: the round's events are still being published
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            System.out.printf(
                    "%s round %d: killed after the consumer saw %d of %d events%n",
                    url, round, reader.ids().size(), total);

            startChild(url);
            assertThat(reader.pollUntil(ids -> ids.size() >= total, Duration.ofSeconds(120)))
                    .as(() ->
                            "round " + finalRound + ": after the restart every committed event arrives; the children's"
                                    + " stderr ends with:\n" + RoleProcess.tail(err))
                    .isTrue();
            child.destroy();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(reader.ids()).hasSize(total);
            assertThat(reader.firstSeenByAggregate()).isEqualTo(expected);
        }
        assertVersionsInOrder(reader);
    }

    /** Appends 10,000 events of round {@code round}: 200 to each of 50 aggregates, 20 per append. */
    static void appendRound(EventStore store, int round, Map<String, List<String>> expected) {
        for (int a = 0; a < AGGREGATES; a++) {
            String aggregate = "relay-" + a;
            List<EventData> batch = new ArrayList<>();
            for (int i = 0; i < EVENTS_PER_AGGREGATE_PER_ROUND; i++) {
                UUID id = UUID.randomUUID();
                batch.add(EventData.of("Ticked", "{\"round\":" + round + ",\"i\":" + i + "}")
                        .withId(id));
                expected.computeIfAbsent(aggregate, k -> new ArrayList<>()).add(id.toString());
                if (batch.size() == 20) {
                    store.append(aggregate, ExpectedVersion.ANY, batch);
                    batch.clear();
                }
            }
        }
    }

    private void startChild(String url) throws Exception {
        List<String> args = new ArrayList<>(serveArgs);
        args.addAll(List.of("--port", "0", "--publish", url));
        child = new ProcessBuilder(RoleProcess.javaCommand(args.toArray(String[]::new)))
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).isNotNull().contains("publishing to " + url);
    }

    private static void assertVersionsInOrder(RelayReader reader) {
        Map<String, Long> last = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (RelayReader.Seen s : reader.all()) {
            if (seen.add(s.eventId())) {
                long previous = last.getOrDefault(s.aggregateId(), 0L);
                assertThat(s.version()).as("first sighting of %s", s.eventId()).isEqualTo(previous + 1);
                last.put(s.aggregateId(), s.version());
            }
        }
    }

    @Override
    public void close() {
        if (child != null && child.isAlive()) {
            try {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
