package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileEventLogRecoveryTest.flip;
import static dev.hindsight.store.file.FileLogTestSupport.appendN;
import static dev.hindsight.store.file.FileLogTestSupport.readWholeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active segment's index checkpoint (ADR 0008 amendment): written at a clean close, loaded instead of a scan at
 * the next open, and never trusted beyond what the segment proves. Every case compares the reopened log with what was
 * written: events, versions, duplicate detection, expected-version checks.
 */
class ActiveCheckpointTest {
    @TempDir
    Path dir;

    /** Big enough that everything stays in the active segment; plain (no compression). */
    private FileLogOptions options() {
        return FileLogOptions.defaults(dir).withSegmentBytes(8 << 20).withCompressionLevel(0);
    }

    private Path checkpoint() {
        return dir.resolve("index").resolve("active.checkpoint");
    }

    @Test
    void cleanClose_writesIt_andOpenLoadsIt_withEveryIndexIntact() throws IOException {
        UUID id = UUID.randomUUID();
        List<RecordedEvent> before;
        try (FileEventLog log = FileEventLog.open(options())) {
            EventStore store = EventStore.of(log);
            appendN(store, "a-1", 300);
            store.append(
                    "b-1",
                    ExpectedVersion.NO_STREAM,
                    EventData.of("Made", "{\"n\":1}").withId(id));
            appendN(store, "c-1", 200);
            before = readWholeLog(log);
        }
        assertThat(checkpoint()).exists();
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(checkpoint()).doesNotExist(); // read once, then removed: a crash from here on scans
            assertThat(log.activeCheckpointEvents()).isEqualTo(501);
            EventStore store = EventStore.of(log);
            assertThat(readWholeLog(log)).isEqualTo(before);
            assertThat(store.read("a-1").version()).isEqualTo(300);
            assertThat(store.read("a-1").events())
                    .extracting(RecordedEvent::version)
                    .first()
                    .isEqualTo(1L);
            assertThat(store.read("c-1").events()).hasSize(200);
            // the event-id index: a retry of b-1's append is recognised and returns the original result
            AppendResult retry = store.append(
                    "b-1",
                    ExpectedVersion.NO_STREAM,
                    EventData.of("Made", "{\"n\":1}").withId(id));
            assertThat(retry.firstVersion()).isEqualTo(1);
            assertThat(retry.position()).isEqualTo(before.get(300).position());
            // the aggregate index: versions continue, and stale expectations are refused
            assertThatThrownBy(() -> store.append("a-1", ExpectedVersion.exact(299), EventData.of("X", "{}")))
                    .isInstanceOf(WrongExpectedVersionException.class);
            assertThat(store.append("a-1", ExpectedVersion.exact(300), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(301);
            assertThat(store.head()).isEqualTo(Position.of(502));
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(EventStore.of(log).read("a-1").version()).isEqualTo(301);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    @Test
    void aStaleCheckpoint_isAValidPrefix_andTheTailIsScanned() throws IOException {
        try (FileEventLog log = FileEventLog.open(options())) {
            appendN(EventStore.of(log), "a-1", 100);
        }
        Path stale = dir.resolve("stale.checkpoint");
        Files.copy(checkpoint(), stale);
        List<RecordedEvent> before;
        try (FileEventLog log = FileEventLog.open(options())) {
            EventStore store = EventStore.of(log);
            appendN(store, "a-1", 50);
            appendN(store, "b-1", 70);
            before = readWholeLog(log);
        }
        // as if the process had crashed after the last appends: only the older checkpoint is there
        Files.move(stale, checkpoint(), StandardCopyOption.REPLACE_EXISTING);
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.activeCheckpointEvents()).isEqualTo(100);
            EventStore store = EventStore.of(log);
            assertThat(readWholeLog(log)).isEqualTo(before);
            assertThat(store.read("a-1").version()).isEqualTo(150);
            assertThat(store.read("b-1").version()).isEqualTo(70);
            assertThat(store.append("b-1", ExpectedVersion.exact(70), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(71);
        }
    }

    @Test
    void aStaleCheckpoint_withATornTailAfterIt_cutsOnlyTheTornBytes() throws IOException {
        try (FileEventLog log = FileEventLog.open(options())) {
            appendN(EventStore.of(log), "a-1", 40);
        }
        Path stale = dir.resolve("stale.checkpoint");
        Files.copy(checkpoint(), stale);
        try (FileEventLog log = FileEventLog.open(options())) {
            appendN(EventStore.of(log), "a-1", 10);
        }
        Files.move(stale, checkpoint(), StandardCopyOption.REPLACE_EXISTING);
        long end = FileEventLogRecoveryTest.endOfData(dir);
        try (RandomAccessFile f =
                new RandomAccessFile(FileLogTestSupport.segments(dir).getLast().toFile(), "rw")) {
            f.seek(end - 10);
            f.write(new byte[10]); // the last record never fully reached the disk
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.activeCheckpointEvents()).isEqualTo(40);
            EventStore store = EventStore.of(log);
            assertThat(store.read("a-1").version()).isEqualTo(49);
            assertThat(store.append("a-1", ExpectedVersion.exact(49), EventData.of("X", "{}"))
                            .lastVersion())
                    .isEqualTo(50);
        }
    }

    @Test
    void aDamagedCheckpoint_isIgnored_andTheSegmentIsScanned() throws IOException {
        List<RecordedEvent> before;
        try (FileEventLog log = FileEventLog.open(options())) {
            appendN(EventStore.of(log), "a-1", 120);
            before = readWholeLog(log);
        }
        flip(checkpoint(), Files.size(checkpoint()) / 2);
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.activeCheckpointEvents()).isZero();
            assertThat(readWholeLog(log)).isEqualTo(before);
            assertThat(EventStore.of(log).read("a-1").version()).isEqualTo(120);
        }
        assertThat(checkpoint()).exists(); // written again by that clean close
    }

    @Test
    void aCheckpointOfAnEarlierSegment_isIgnoredAfterTheLogRolled() throws IOException {
        FileLogOptions small = FileLogTestSupport.small(dir);
        try (FileEventLog log = FileEventLog.open(small)) {
            appendN(EventStore.of(log), "a-1", 50);
        }
        Path stale = dir.resolve("stale.checkpoint");
        Files.copy(checkpoint(), stale);
        List<RecordedEvent> before;
        try (FileEventLog log = FileEventLog.open(small)) {
            appendN(EventStore.of(log), "a-1", 3000); // several rolls: the checkpoint's segment is sealed now
            before = readWholeLog(log);
        }
        assertThat(FileLogTestSupport.segments(dir).size()).isGreaterThan(1);
        Files.move(stale, checkpoint(), StandardCopyOption.REPLACE_EXISTING);
        try (FileEventLog log = FileEventLog.open(small)) {
            assertThat(log.activeCheckpointEvents()).isZero();
            assertThat(readWholeLog(log)).isEqualTo(before);
            assertThat(EventStore.of(log).read("a-1").version()).isEqualTo(3050);
        }
    }

    @Test
    void aCheckpointWhoseLastRecordIsGone_isIgnored() throws IOException {
        try (FileEventLog log = FileEventLog.open(options())) {
            appendN(EventStore.of(log), "a-1", 30);
        }
        long end = FileEventLogRecoveryTest.endOfData(dir);
        try (RandomAccessFile f =
                new RandomAccessFile(FileLogTestSupport.segments(dir).getLast().toFile(), "rw")) {
            f.seek(end - 10);
            f.write(new byte[10]); // the checkpoint claims a record the segment no longer proves
        }
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(log.activeCheckpointEvents()).isZero();
            assertThat(EventStore.of(log).read("a-1").version()).isEqualTo(29);
        }
    }
}
