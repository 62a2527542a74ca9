package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreLockedException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends from 16 threads with SIGKILL at random moments, 10 rounds on one data directory
 * ({@code -Dcrashit.rounds=N} for more: the suite's time budget keeps CI at 10); after each round every acknowledged
 * event must be there, versions contiguous, every record readable, and appends must continue.
 */
class CrashIT {
    private static final int ROUNDS = Integer.getInteger("crashit.rounds", 10);

    @TempDir
    Path dir;

    @Test
    void kill9_duringAppends_loosesNoAcknowledgedEvent() throws Exception {
        Random random = new Random(20261126);
        Map<String, String> acked = new HashMap<>(); // "aggregate version" -> event id
        long totalAcked = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Process child = startChild(round);
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("child started").isEqualTo("READY");
            if (round == 0) {
                assertThatThrownBy(() -> FileEventLog.open(FileLogOptions.defaults(dir)))
                        .isInstanceOf(StoreLockedException.class);
            }
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread pump = Thread.ofPlatform().start(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the child died mid-line: that line was never complete, so never acknowledged
                }
            });
            // kill at a random moment once appends are being acknowledged (on a busy machine the child's first
            // acknowledgement can take longer than the random pause itself)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (lines.isEmpty() && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(150 + random.nextInt(900));
            child.destroyForcibly(); // SIGKILL on Linux
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            pump.join();
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f.length == 4 && f[0].equals("ACK")) {
                    acked.put(f[1] + " " + f[2], f[3]);
                }
            }
            totalAcked = acked.size();
            verify(acked, round);
        }
        assertThat(totalAcked).as("acknowledged events over all rounds").isGreaterThan(500);
    }

    private void verify(Map<String, String> acked, int round) {
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir).withSegmentBytes(1 << 20));
                EventStore store = EventStore.of(log)) {
            assertThat(log.verify(20).problems()).as("round %d: verify", round).isEmpty();
            Map<String, Long> lastVersion = new HashMap<>();
            Position p = Position.START;
            long expectedPosition = 1;
            while (true) {
                GlobalSlice s = store.readAll(p, 5000, EventFilter.ALL);
                for (RecordedEvent e : s.events()) {
                    assertThat(e.position()).isEqualTo(Position.of(expectedPosition++));
                    long prev = lastVersion.getOrDefault(e.aggregateId(), 0L);
                    assertThat(e.version())
                            .as("contiguous versions of %s", e.aggregateId())
                            .isEqualTo(prev + 1);
                    lastVersion.put(e.aggregateId(), e.version());
                }
                if (s.events().isEmpty()) {
                    break;
                }
                p = s.next();
            }
            for (Map.Entry<String, String> a : acked.entrySet()) {
                String[] k = a.getKey().split(" ");
                List<RecordedEvent> got = store.read(
                                k[0], Long.parseLong(k[1]), 1, dev.hindsight.core.ReadDirection.FORWARD)
                        .events();
                assertThat(got)
                        .as("round %d: acknowledged %s", round, a.getKey())
                        .hasSize(1);
                assertThat(got.getFirst().eventId().toString()).isEqualTo(a.getValue());
            }
            String agg = "after-crash-" + round;
            assertThat(store.append(agg, ExpectedVersion.NO_STREAM, EventData.of("Resumed", "{}"))
                            .lastVersion())
                    .isEqualTo(1);
        }
    }

    private Process startChild(int round) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CrashChild.class.getName(),
                dir.toString(),
                "16",
                Integer.toString(round));
        return new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
