package dev.hindsight.store.file;

import static dev.hindsight.store.file.FileLogTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer skips the stored-id lookup only for ids the store drew itself ({@code ProposedEvent.idFresh}); ids of an
 * application's supplier, which may repeat, are still checked as before, across a reopen too (index runs, not only
 * the memtable).
 */
class FreshIdTest {
    private static final UUID REPEATED = UUID.fromString("3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void append_storeDrawnIds_appendsTheSameContentTwice() {
        try (EventStore store =
                EventStore.builder(FileEventLog.open(small(dir))).clock(CLOCK).build()) {
            AppendResult first = store.append("a", ExpectedVersion.ANY, EventData.of("T", "{\"k\":1}"));
            AppendResult second = store.append("a", ExpectedVersion.ANY, EventData.of("T", "{\"k\":1}"));

            assertThat(first.lastVersion()).isEqualTo(1);
            assertThat(second.lastVersion()).isEqualTo(2);
        }
    }

    @Test
    void append_repeatingSupplier_isStillAnIdempotentRetryAfterReopen() {
        try (EventStore store = repeating()) {
            store.append("a", ExpectedVersion.ANY, EventData.of("T", "{\"k\":1}"));
        }
        try (EventStore store = repeating()) {
            // the same id and content: the original result, nothing appended
            AppendResult retry = store.append("a", ExpectedVersion.ANY, EventData.of("T", "{\"k\":1}"));
            assertThat(retry.lastVersion()).isEqualTo(1);
            // the same id, other content: refused
            assertThatThrownBy(() -> store.append("a", ExpectedVersion.ANY, EventData.of("T", "{\"k\":2}")))
                    .isInstanceOf(DuplicateEventIdException.class);
            assertThat(store.log().aggregateVersion("a")).isEqualTo(1);
        }
    }

    private EventStore repeating() {
        return EventStore.builder(FileEventLog.open(small(dir)))
                .clock(CLOCK)
                .idSupplier(() -> REPEATED)
                .build();
    }
}
