package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention on the file engine (ADR 0017): expired events deleted from sealed segments, positions kept. */
class FileRetentionTest {
    private static final RetentionPolicy POLICY =
            RetentionPolicy.parse(List.of("ord_:keep", "type=CartViewed:delete-after=90d"));
    private static final RetentionRule VIEWED = POLICY.rules().get(1);
    private static final Instant LATER = Instant.now().plus(Duration.ofDays(100));

    @TempDir
    Path dir;

    private FileLogOptions options(int level) {
        return FileLogOptions.defaults(dir)
                .withFsync(FsyncPolicy.NEVER)
                .withSegmentBytes(64 * 1024)
                .withBlockCacheBytes(256 * 1024)
                .withCompressionLevel(level);
    }

    /** 10 carts (created, 20 views, checked out; cart_9 ends with a view), 5 orders with views, then filler. */
    private static void fill(FileEventLog log) {
        fill(log, "");
    }

    /** {@link #fill(FileEventLog)} with {@code pad} in every view's data (big views spread over several segments). */
    private static void fill(FileEventLog log, String pad) {
        EventStore es = EventStore.of(log);
        for (int c = 0; c < 10; c++) {
            es.append("cart_" + c, ExpectedVersion.NO_STREAM, EventData.of("CartCreated", "{}"));
            for (int v = 0; v < 20; v++) {
                es.append(
                        "cart_" + c,
                        ExpectedVersion.ANY,
                        EventData.of("CartViewed", "{\"page\":" + v + ",\"pad\":\"" + pad + "\"}"));
            }
            if (c != 9) {
                es.append("cart_" + c, ExpectedVersion.ANY, EventData.of("CartCheckedOut", "{}"));
            }
        }
        for (int o = 0; o < 5; o++) {
            es.append("ord_" + o, ExpectedVersion.ANY, EventData.of("CartViewed", "{}"));
            es.append("ord_" + o, ExpectedVersion.ANY, EventData.of("OrderCreated", "{}"));
        }
        for (int i = 0; i < 1500; i++) { // seals the segments above
            es.append(
                    "zz_" + (i % 7),
                    ExpectedVersion.ANY,
                    EventData.of("Filler", "{\"pad\":\"" + "x".repeat(60) + "\"}"));
        }
    }

    private static boolean expired(RecordedEvent e, Map<String, Long> lastVersions) {
        return e.eventType().equals("CartViewed")
                && e.aggregateId().startsWith("cart_")
                && lastVersions.get(e.aggregateId()) != e.version();
    }

    @Test
    void deleteExpired_deletesFromSealedSegments_keepingPositionsVersionsAndLastEvents() throws Exception {
        List<RecordedEvent> before;
        Set<Position> deleted;
        try (FileEventLog log = FileEventLog.open(options(3))) {
            fill(log);
            log.awaitCompaction();
            before = FileLogTestSupport.readWholeLog(log);
            Map<String, Long> last = before.stream()
                    .collect(Collectors.toMap(RecordedEvent::aggregateId, RecordedEvent::version, Math::max));
            deleted = before.stream()
                    .filter(e -> expired(e, last))
                    .map(RecordedEvent::position)
                    .collect(Collectors.toSet());
            assertThat(deleted).hasSize(9 * 20 + 19);

            // not old enough: nothing
            assertThat(log.deleteExpired(POLICY, Instant.now().plus(Duration.ofDays(10)), log.head()))
                    .isEmpty();
            // bounded by what the projections applied: only up to that position
            Position mid = before.get(100).position();
            long upToMid = deleted.stream().filter(p -> cmp(p, mid) <= 0).count();
            assertThat(log.deleteExpired(POLICY, LATER, mid)).isEqualTo(Map.of(VIEWED, upToMid));
            assertThat(FileLogTestSupport.readWholeLog(log)).hasSize(before.size() - (int) upToMid);
            // the rest
            assertThat(log.deleteExpired(POLICY, LATER, log.head()))
                    .isEqualTo(Map.of(VIEWED, deleted.size() - upToMid));
            assertThat(log.deleteExpired(POLICY, LATER, log.head())).isEmpty();
            checkAfterDeletion(log, before, deleted);
        }
        try (FileEventLog log = FileEventLog.open(options(3))) { // rewritten segments recover as they are
            checkAfterDeletion(log, before, deleted);
            assertThat(log.verify(10).problems()).isEmpty();
            EventStore.of(log).append("cart_0", ExpectedVersion.exact(22), EventData.of("CartReopened", "{}"));
            EventStore.of(log).append("cart_9", ExpectedVersion.exact(21), EventData.of("CartViewed", "{}"));
            // a deleted event's id stays taken
            RecordedEvent gone = before.stream()
                    .filter(e -> deleted.contains(e.position()))
                    .findFirst()
                    .orElseThrow();
            assertThatThrownBy(() -> EventStore.of(log)
                            .append(
                                    "other",
                                    ExpectedVersion.ANY,
                                    EventData.of("X", "{}").withId(gone.eventId())))
                    .isInstanceOf(DuplicateEventIdException.class);
        }
    }

    private static int cmp(Position a, Position b) {
        return Long.compare(((Position.Sequence) a).value(), ((Position.Sequence) b).value());
    }

    private static void checkAfterDeletion(FileEventLog log, List<RecordedEvent> before, Set<Position> deleted) {
        List<RecordedEvent> kept =
                before.stream().filter(e -> !deleted.contains(e.position())).toList();
        assertThat(FileLogTestSupport.readWholeLog(log)).isEqualTo(kept); // same positions, gaps where deleted
        List<RecordedEvent> cart = log.readAggregate("cart_3", 1, 100, ReadDirection.FORWARD);
        assertThat(cart).extracting(RecordedEvent::version).containsExactly(1L, 22L);
        assertThat(cart).extracting(RecordedEvent::eventType).containsExactly("CartCreated", "CartCheckedOut");
        assertThat(log.readAggregate("cart_3", Long.MAX_VALUE, 1, ReadDirection.BACKWARD))
                .extracting(RecordedEvent::version)
                .containsExactly(22L);
        // cart_9's last event is a view: kept, it carries the version the next append checks
        assertThat(log.readAggregate("cart_9", 1, 100, ReadDirection.FORWARD))
                .extracting(RecordedEvent::version)
                .containsExactly(1L, 21L);
        assertThat(log.aggregateVersion("cart_3")).isEqualTo(22);
        assertThat(log.readAggregate("ord_2", 1, 100, ReadDirection.FORWARD)).hasSize(2); // ord_:keep comes first
        assertThat(log.storage().events()).isEqualTo(before.size());
    }

    /**
     * A run that fails on a later segment has reported what the segments before it deleted, and exactly that is gone:
     * after the first segment's rewrite is durable, every other segment's temporary rewrite file is made impossible
     * (a non-empty directory in its place), so the next rewrite fails with an I/O error. A second run, once the disk
     * is fine again, deletes and reports the rest.
     */
    @Test
    void deleteExpired_failingOnALaterSegment_reportsWhatTheEarlierSegmentsDeleted() throws Exception {
        Path segments = dir.resolve("segments");
        try (FileEventLog log = FileEventLog.open(options(3))) {
            fill(log, "v".repeat(1000)); // 200 KiB of views: several 64-KiB segments
            log.awaitCompaction();
            List<RecordedEvent> before = FileLogTestSupport.readWholeLog(log);
            Map<String, Long> last = before.stream()
                    .collect(Collectors.toMap(RecordedEvent::aggregateId, RecordedEvent::version, Math::max));
            Set<Position> deleted = before.stream()
                    .filter(e -> expired(e, last))
                    .map(RecordedEvent::position)
                    .collect(Collectors.toSet());
            Map<RetentionRule, Long> reported = new LinkedHashMap<>();
            List<Path> blocked = new ArrayList<>();
            assertThatThrownBy(() -> log.deleteExpired(POLICY, LATER, log.head(), (rule, n) -> {
                        reported.merge(rule, n, Long::sum);
                        if (blocked.isEmpty()) {
                            blockRewrites(segments, blocked);
                        }
                    }))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(blocked)
                    .as("rewrites were blocked after the first segment")
                    .isNotEmpty();
            long first = reported.get(VIEWED);
            assertThat(first).as("the first segment's deletions").isPositive().isLessThan(deleted.size());
            assertThat(FileLogTestSupport.readWholeLog(log))
                    .as("what was reported is exactly what is gone")
                    .hasSize(before.size() - (int) first);

            for (Path b : blocked) {
                Files.delete(b.resolve("blocked"));
                Files.deleteIfExists(b);
            }
            assertThat(log.deleteExpired(POLICY, LATER, log.head())).isEqualTo(Map.of(VIEWED, deleted.size() - first));
            checkAfterDeletion(log, before, deleted);
        }
    }

    /** Puts a non-empty directory where each segment's next rewrite would write its temporary file. */
    private static void blockRewrites(Path segments, List<Path> blocked) {
        try (Stream<Path> files = Files.list(segments)) {
            for (Path z : files.filter(f -> f.getFileName().toString().endsWith(".zlog"))
                    .toList()) {
                Path tmp = segments.resolve(z.getFileName() + ".tmp");
                Files.createDirectories(tmp.resolve("blocked"));
                blocked.add(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void deleteExpired_withCompressionOff_rewritesPlainSealedSegments() throws Exception {
        try (FileEventLog log = FileEventLog.open(options(0))) {
            fill(log);
            int total = FileLogTestSupport.readWholeLog(log).size();
            Map<RetentionRule, Long> n = log.deleteExpired(POLICY, LATER, log.head());
            assertThat(n.get(VIEWED)).isEqualTo(9 * 20 + 19);
            assertThat(FileLogTestSupport.readWholeLog(log)).hasSize(total - (9 * 20 + 19));
        }
        try (FileEventLog log = FileEventLog.open(options(0))) {
            assertThat(log.verify(10).problems()).isEmpty();
            assertThat(log.readAggregate("cart_0", 1, 100, ReadDirection.FORWARD))
                    .hasSize(2);
        }
    }

    @Test
    void deleteExpired_vectorPosition_isRejected() {
        try (FileEventLog log = FileEventLog.open(options(3))) {
            assertThatThrownBy(() -> log.deleteExpired(POLICY, LATER, Position.parse("0:1,1:2")))
                    .isInstanceOf(InvalidRequestException.class);
        }
    }
}
