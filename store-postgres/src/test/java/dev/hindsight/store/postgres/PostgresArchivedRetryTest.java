package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.archive.LocalObjectStore;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent retries of events the PostgreSQL archive moved out of the table (ADR 0017): their {@code event_ids} rows
 * stay, their rows are in the archive. A retry with the same content gets the original result, as before archiving
 * (so an export re-imported into its own store is recognised as stored); other content under the id is refused as a
 * duplicate id.
 */
class PostgresArchivedRetryTest {
    @TempDir
    Path dir;

    @Test
    void append_retryOfAnArchivedEvent_originalResult_otherContentRefused() throws Exception {
        String schema = PgTestSupport.newSchema("archretry");
        PostgresEventLog log = PostgresEventLog.open(PgTestSupport.options(schema));
        try (EventStore store = EventStore.of(log);
                ObjectStore archive = new LocalObjectStore(dir.resolve("archive"))) {
            for (int i = 0; i < 30; i++) {
                store.append("acc-" + (i % 3), ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
            }
            List<RecordedEvent> written = new ArrayList<>();
            Position p = Position.START;
            for (var s = log.readAll(p, 100, EventFilter.ALL);
                    !s.events().isEmpty();
                    s = log.readAll(p, 100, EventFilter.ALL)) {
                written.addAll(s.events());
                p = s.next();
            }
            assertThat(log.archiveNow(archive, Duration.ZERO, Instant.now().plusSeconds(3600), log.head(), 10)
                            .segments())
                    .isEqualTo(3);
            RecordedEvent old = written.get(4); // acc-1 version 2: archived, its row deleted
            assertThat(old.version()).isEqualTo(2);

            AppendResult again = store.append(
                    old.aggregateId(),
                    ExpectedVersion.ANY,
                    EventData.of("Deposited", old.eventData()).withId(old.eventId()));
            assertThat(again.lastVersion()).isEqualTo(old.version());
            assertThat(again.position()).isEqualTo(old.position());
            AppendResult exact = store.append(
                    old.aggregateId(),
                    ExpectedVersion.exact(old.version() - 1),
                    EventData.of("Deposited", old.eventData()).withId(old.eventId()));
            assertThat(exact.lastVersion()).isEqualTo(old.version());

            assertThatThrownBy(() -> store.append(
                            old.aggregateId(),
                            ExpectedVersion.ANY,
                            EventData.of("Deposited", "{\"other\":1}").withId(old.eventId())))
                    .isInstanceOf(DuplicateEventIdException.class)
                    .hasMessageContaining("different content");
            assertThat(store.read("acc-1").version()).isEqualTo(10);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
