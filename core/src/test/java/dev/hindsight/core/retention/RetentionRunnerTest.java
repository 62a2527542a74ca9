package dev.hindsight.core.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.RetentionSupport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RetentionRunnerTest {
    private static final RetentionPolicy POLICY =
            RetentionPolicy.parse(List.of("ord_:keep", "type=CartViewed:delete-after=90d", "tmp_:delete-after=1d"));

    @Test
    void runOnce_recordsCountsPerDeleteRule_totalsAndFailures() {
        AtomicBoolean fail = new AtomicBoolean();
        RetentionSupport engine = (policy, now, appliedUpTo, deletions) -> {
            if (fail.get()) {
                throw new StoreUnavailableException("disk gone");
            }
            deletions.deleted(policy.rules().get(1), 7L);
        };
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC);
        try (RetentionRunner r = new RetentionRunner(engine, POLICY, () -> Position.of(42), clock)) {
            assertNull(r.lastRun());
            RetentionRun run = r.runOnce();
            assertEquals("42", run.appliedUpTo());
            assertEquals(Instant.parse("2026-12-05T12:00:00Z"), run.at());
            assertEquals(
                    List.of(
                            new RetentionRun.RuleCount("type=CartViewed:delete-after=90d", 7),
                            new RetentionRun.RuleCount("tmp_:delete-after=1d", 0)),
                    run.rules());
            assertEquals(7, run.deleted());
            r.runOnce();
            fail.set(true);
            RetentionRun failed = r.runOnce();
            assertEquals("disk gone", failed.error());
            assertEquals(0, failed.deleted());
            assertEquals(3, r.runs());
            assertEquals(1, r.failures());
            assertEquals(
                    Map.of("type=CartViewed:delete-after=90d", 14L, "tmp_:delete-after=1d", 0L), r.deletedTotals());
        }
    }

    /** A run that fails part-way counts what the engine reported deleted before the failure (it recorded 0). */
    @Test
    void runOnce_engineFailingPartWay_recordsTheDeletionsBeforeTheFailure() {
        RetentionSupport engine = (policy, now, appliedUpTo, deletions) -> {
            deletions.deleted(policy.rules().get(1), 5_000L);
            deletions.deleted(policy.rules().get(1), 1_234L);
            deletions.deleted(policy.rules().get(2), 3L);
            throw new StoreUnavailableException("connection lost");
        };
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC);
        try (RetentionRunner r = new RetentionRunner(engine, POLICY, () -> Position.of(42), clock)) {
            RetentionRun run = r.runOnce();
            assertEquals("connection lost", run.error());
            assertEquals(
                    List.of(
                            new RetentionRun.RuleCount("type=CartViewed:delete-after=90d", 6_234),
                            new RetentionRun.RuleCount("tmp_:delete-after=1d", 3)),
                    run.rules());
            assertEquals(1, r.failures());
            assertEquals(
                    Map.of("type=CartViewed:delete-after=90d", 6_234L, "tmp_:delete-after=1d", 3L), r.deletedTotals());
        }
    }
}
