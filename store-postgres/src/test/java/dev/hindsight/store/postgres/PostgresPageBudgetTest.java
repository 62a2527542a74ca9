package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.PageBudget;
import dev.hindsight.store.postgres.internal.EventReader;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The global page's byte budget holds in the server ({@code read_page3}, schema 12): for a page of big events the
 * driver receives no more than the budget and one event (plus the protocol's few bytes per row), counted on the
 * socket; {@code read_page2} sent every row up to the limit, and the reader dropped those past the budget after
 * receiving them.
 */
class PostgresPageBudgetTest {
    /** Half a MiB of data per event: 24 of them are three budgets. */
    private static final int EVENT_CHARS = 512 * 1024;

    private static final int EVENTS = 24;

    /** Row framing, the page's other columns and the notification listener's polls during one read. */
    private static final long SLACK = 64 * 1024;

    @Test
    void aPageOfBigEvents_theServerSendsNoMoreThanTheBudgetAndOneEvent() throws Exception {
        String schema = PgTestSupport.newSchema("pagebudget");
        PostgresOptions options = PgTestSupport.options(schema, CountingSocketFactory.url(PgTestSupport.URL));
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            appendBig(EventStore.of(log));

            for (EventFilter filter : new EventFilter[] {EventFilter.ALL, new EventFilter(Set.of("Big"), "")}) {
                long before = CountingSocketFactory.received();
                GlobalSlice page = log.readAll(Position.START, 1000, filter);
                long received = CountingSocketFactory.received() - before;

                assertThat(received)
                        .as("bytes the server sent for one page, filter %s", filter)
                        .isLessThan(PageBudget.BYTES + EVENT_CHARS + SLACK);
                assertThat(page.events()).hasSizeLessThan(EVENTS);
                assertThat(bytes(page)).isGreaterThanOrEqualTo(PageBudget.BYTES);
                assertThat(page.next()).isEqualTo(page.events().getLast().position());
            }
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    @Test
    void aSmallerBudget_stopsThePageSoonerAlsoWhenCutFromTheReadAhead() throws Exception {
        String schema = PgTestSupport.newSchema("pagebudgetpart");
        try (PostgresEventLog log = PostgresEventLog.open(PgTestSupport.options(schema))) {
            appendBig(EventStore.of(log));
            EventReader reader = new EventReader(log.dataSource(), schema);
            long budget = 3L * EVENT_CHARS / 2; // stops after the second event

            // filtered: the server stops at the smaller budget; unfiltered: fetched ahead at the whole budget, then cut
            for (EventFilter filter : new EventFilter[] {new EventFilter(Set.of("Big"), ""), EventFilter.ALL}) {
                GlobalSlice page = reader.readPage(0, 100, filter, budget).slice();
                assertThat(page.events()).as("filter %s", filter).hasSize(2);
                assertThat(page.next()).isEqualTo(page.events().getLast().position());
            }
            GlobalSlice ahead = reader.readPage(0, 100, EventFilter.ALL).slice();
            assertThat(bytes(ahead))
                    .isGreaterThanOrEqualTo(PageBudget.BYTES)
                    .isLessThan(PageBudget.BYTES + EVENT_CHARS + 100);
            // a later page cut from the kept read-ahead
            long first = ((Position.Sequence)
                            reader.readPage(0, 1, EventFilter.ALL).slice().next())
                    .value();
            GlobalSlice cut =
                    reader.readPage(first, 100, EventFilter.ALL, budget).slice();
            assertThat(cut.events()).hasSize(2);
            assertThat(cut.events().getFirst()).isEqualTo(ahead.events().get(1));
            assertThat(cut.next()).isEqualTo(ahead.events().get(2).position());
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }

    private static void appendBig(EventStore store) {
        String pad = "x".repeat(EVENT_CHARS - 20);
        for (int i = 0; i < EVENTS; i++) {
            store.append(
                    "big-" + (i % 3),
                    ExpectedVersion.ANY,
                    EventData.of("Big", "{\"i\":" + i + ",\"p\":\"" + pad + "\"}"));
        }
    }

    private static long bytes(GlobalSlice page) {
        return page.events().stream().mapToLong(PageBudget::bytes).sum();
    }
}
