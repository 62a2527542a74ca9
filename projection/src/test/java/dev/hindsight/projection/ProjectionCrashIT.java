package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once effect under {@code kill -9}: a child JVM runs a projection whose handlers are not idempotent
 * ({@code qty = qty + n}) while it appends; it is killed at random moments mid-batch. After each kill the projection
 * restarts from its checkpoint, and every row must equal a from-scratch rebuild, and the total quantity must equal the
 * sum over the log (an event applied twice or lost would show).
 */
class ProjectionCrashIT {
    private static final int ROUNDS = 6;

    @TempDir
    Path dir;

    @Test
    void kill9_midBatch_restartGivesExactlyOnceEffect() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < ROUNDS; round++) {
            Process child = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-cp",
                            System.getProperty("java.class.path"),
                            ProjectionCrashChild.class.getName(),
                            dir.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("READY");
            Thread.sleep(300 + random.nextInt(900));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            check(round);
        }
    }

    private void check(int round) throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))));
                ReadModelDatabase db = ReadModelDatabase.sqlite(dir.resolve("readmodel.db"));
                ProjectionEngine engine = ProjectionEngine.builder(store, db)
                        .add(new CartProjection("carts"))
                        .build()
                        .start()) {
            assertThat(engine.awaitPosition("carts", store.head(), Duration.ofSeconds(60)))
                    .isTrue();
            long expected = 0;
            Position p = Position.START;
            while (true) {
                GlobalSlice s = store.readAll(p, 5000, EventFilter.ALL);
                if (s.events().isEmpty()) {
                    break;
                }
                for (RecordedEvent e : s.events()) {
                    expected += Json.parseObject(e.eventData(), "d").get("qty").asLong();
                }
                p = s.next();
            }
            long total = engine.query("carts", session -> {
                try (ResultSet rs = session.connection()
                        .createStatement()
                        .executeQuery("SELECT COALESCE(SUM(qty), 0) FROM " + session.table("carts_items"))) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(total)
                    .as("round %d: sum of qty over %s events", round, store.head())
                    .isEqualTo(expected);
            VerifyReport report = engine.verify("carts");
            assertThat(report.missingRows()).as("round %d", round).isEqualTo(List.of());
            assertThat(report.extraRows()).as("round %d", round).isEqualTo(List.of());
        }
    }
}
