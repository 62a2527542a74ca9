package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.appendN;
import static dev.hindsight.store.file.FileLogTestSupport.segments;
import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads of the file engine at their edges. */
class FileEventLogReadTest {
    @TempDir
    Path dir;

    @Test
    void readAll_afterBeyondTheHead_returnsNothingAndKeepsTheCursor() {
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            GlobalSlice empty = log.readAll(Position.of(5), 10, EventFilter.ALL);
            assertThat(empty.events()).isEmpty();
            assertThat(empty.next()).isEqualTo(Position.of(5));
            appendN(EventStore.of(log), "a-1", 3);
            GlobalSlice beyond = log.readAll(Position.of(7), 10, new EventFilter(Set.of("Thing0"), ""));
            assertThat(beyond.events()).isEmpty();
            assertThat(beyond.next()).isEqualTo(Position.of(7));
        }
    }

    @Test
    void readAll_filteredOverADamagedRecord_failsInsteadOfSkippingIt() throws IOException {
        try (EventStore store = EventStore.of(FileEventLog.open(small(dir)))) {
            appendN(store, "a-1", 1500);
        }
        Path first = segments(dir).getFirst();
        assertThat(segments(dir).size()).isGreaterThan(1);
        // event 1 ("Thing0") is the first record of the sealed first segment, which the on-disk indexes cover, so
        // open does not scan it: damage its type
        FileEventLogRecoveryTest.flip(first, 64 + 9 + 76 + "a-1".length() + 2);
        try (FileEventLog log = FileEventLog.open(small(dir))) {
            assertThat(log.indexCheckpointPosition()).isPositive();
            assertThatThrownBy(() -> log.readAll(Position.START, 10, new EventFilter(Set.of("Thing0"), "")))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(first.getFileName().toString());
            assertThatThrownBy(() -> log.readAll(Position.START, 10, new EventFilter(Set.of(), "b-")))
                    .isInstanceOf(CorruptionException.class);
            assertThat(log.readAll(Position.of(1), 10, new EventFilter(Set.of("Thing0"), ""))
                            .events())
                    .first()
                    .extracting(e -> e.position())
                    .isEqualTo(Position.of(4));
        }
    }
}
