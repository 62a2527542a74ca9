package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Global pages read through {@code read_page2} (schema 11): an unfiltered page carries no head (the server skips the
 * max over the partitions) and a short one ends at its last event; a filtered page still moves its reader to the head
 * past events the filter skipped.
 */
class PostgresReadPageTest {
    @Test
    void unfilteredPages_carryNoHead_andAShortOneEndsAtItsLastEvent() throws Exception {
        String schema = PgTestSupport.newSchema("readpage");
        try (PostgresEventLog log = PostgresEventLog.open(PgTestSupport.options(schema))) {
            EventStore store = EventStore.of(log);
            for (int i = 0; i < 5; i++) {
                store.append("a-" + i, ExpectedVersion.ANY, EventData.of("E", "{}"));
            }
            List<Long> positions = new ArrayList<>();
            try (Connection c = log.dataSource().getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT head, position FROM " + schema + ".read_page2(0, 100, NULL, NULL)")) {
                while (rs.next()) {
                    rs.getLong(1);
                    assertThat(rs.wasNull()).as("head of an unfiltered page").isTrue();
                    long p = rs.getLong(2);
                    if (!rs.wasNull()) {
                        positions.add(p);
                    }
                }
            }
            assertThat(positions).hasSize(5);

            GlobalSlice all = log.readAll(Position.START, 100, EventFilter.ALL);
            assertThat(all.events()).hasSize(5);
            assertThat(all.next()).isEqualTo(all.events().getLast().position());
            GlobalSlice firstTwo = log.readAll(Position.START, 2, EventFilter.ALL);
            assertThat(firstTwo.next()).isEqualTo(firstTwo.events().get(1).position());
            GlobalSlice rest = log.readAll(firstTwo.next(), 100, EventFilter.ALL);
            assertThat(rest.events()).hasSize(3);
            assertThat(rest.next()).isEqualTo(all.next());
            GlobalSlice none = log.readAll(all.next(), 100, EventFilter.ALL);
            assertThat(none.events()).isEmpty();
            assertThat(none.next()).isEqualTo(all.next());
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void filteredShortPage_movesToTheHeadPastSkippedEvents() throws Exception {
        String schema = PgTestSupport.newSchema("readpagef");
        try (PostgresEventLog log = PostgresEventLog.open(PgTestSupport.options(schema))) {
            EventStore store = EventStore.of(log);
            store.append("a", ExpectedVersion.ANY, EventData.of("Wanted", "{}"));
            store.append("b", ExpectedVersion.ANY, EventData.of("Other", "{}"));
            store.append("c", ExpectedVersion.ANY, EventData.of("Other", "{}"));
            Position head = log.readAll(Position.START, 100, EventFilter.ALL).next();

            GlobalSlice wanted = log.readAll(Position.START, 100, new EventFilter(Set.of("Wanted"), ""));
            assertThat(wanted.events()).extracting(e -> e.aggregateId()).containsExactly("a");
            assertThat(wanted.next()).isEqualTo(head);
            GlobalSlice byPrefix = log.readAll(Position.START, 100, new EventFilter(Set.of(), "a"));
            assertThat(byPrefix.events()).hasSize(1);
            assertThat(byPrefix.next()).isEqualTo(head);
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
