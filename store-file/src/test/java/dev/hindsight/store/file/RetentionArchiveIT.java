package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.archive.S3ServerExtension;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.spi.ObjectStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Retention rules and the archive (ADR 0017), against a real S3-compatible server (s3proxy). */
class RetentionArchiveIT {
    private static final String BUCKET = "retention";

    @TempDir
    Path dir;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    private FileLogOptions options(ObjectStore store, RetentionPolicy policy) {
        return FileLogOptions.defaults(dir)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(64 * 1024)
                .withBlockCacheBytes(256 * 1024)
                .withArchive(
                        new ArchiveOptions(store, Duration.ofDays(365), Duration.ofHours(1)).withRetention(policy));
    }

    private static void orders(EventStore es, int from, int n) {
        for (int i = from; i < from + n; i++) {
            es.append(
                    "ord_" + (i % 20),
                    ExpectedVersion.ANY,
                    EventData.of("OrderNoted", "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(80) + "\"}"));
        }
    }

    @Test
    void archiveAfterRule_archivesBeforeTheDefaultAge_andDeleteRuleEventsAreDeletedBeforeArchiving() throws Exception {
        RetentionPolicy policy =
                RetentionPolicy.parse(List.of("type=CartViewed:delete-after=90d", "ord_:archive-after=0s"));
        ObjectStore store = S3.store("rules");
        MovableClock clock = new MovableClock();
        List<RecordedEvent> expected;
        try (FileEventLog log = FileEventLog.open(options(store, policy), clock)) {
            EventStore es = EventStore.of(log);
            orders(es, 0, 1200);
            log.awaitCompaction();
            clock.now.set(Instant.now()); // the events' timestamps come from the system clock
            var run = log.archiveNow();
            assertThat(run.error()).isNull();
            int ordersOnly = run.segments();
            assertThat(ordersOnly).isGreaterThanOrEqualTo(2); // the default age (365 days) would archive none

            // views in the order aggregates: their segments stay local until the views are deleted
            for (int i = 0; i < 100; i++) {
                es.append("ord_" + (i % 20), ExpectedVersion.ANY, EventData.of("CartViewed", "{\"i\":" + i + "}"));
            }
            orders(es, 1200, 1200);
            log.awaitCompaction();
            clock.now.set(Instant.now());
            assertThat(log.archiveNow().segments()).isZero();

            clock.now.set(clock.instant().plus(Duration.ofDays(91)));
            assertThat(log.deleteExpired(policy, clock.instant(), log.head()).values())
                    .containsExactly(100L);
            expected = FileLogTestSupport.readWholeLog(log);
            assertThat(expected).noneMatch(e -> e.eventType().equals("CartViewed"));
            var after = log.archiveNow();
            assertThat(after.error()).isNull();
            assertThat(after.segments()).isPositive();
            assertThat(store.list("segments/")).hasSize(ordersOnly + after.segments());
        }
        try (FileEventLog log = FileEventLog.open(options(S3.store("rules"), policy), clock)) {
            assertThat(FileLogTestSupport.readWholeLog(log))
                    .isEqualTo(expected); // deleted records are archived as such
            assertThat(log.readAggregate("ord_3", 1, 1000, ReadDirection.FORWARD))
                    .noneMatch(e -> e.eventType().equals("CartViewed"));
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }
}
