package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.byAggregate;
import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.ids;
import static dev.hindsight.testkit.TckSupport.isAfter;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.PageBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The global log: {@code readAll} pages in position order, its {@code next} cursor resumes without duplicates or
 * gaps (also past filtered-out events), pages stop at the {@link PageBudget} in bytes, and {@code head()} follows
 * appends. Positions are strictly increasing across aggregates for engines that declare
 * {@link dev.hindsight.core.spi.EventLog#totallyOrdered() a total order}; for the others, per aggregate.
 */
public abstract class GlobalLogTck extends TckFixture {
    /** Half a MiB: below the largest event every engine stores (1 MiB with Kafka's default request size). */
    private static final int BIG_EVENT_CHARS = 512 * 1024;

    /** The largest event (characters of data) the engine under test stores ({@link EventLogTck#largestEventChars}). */
    protected int largestEventChars() {
        return Integer.MAX_VALUE;
    }

    /** The size of the byte-budget tests' events: half a MiB, or less where the engine is configured for less. */
    private int bigChars() {
        return Math.min(BIG_EVENT_CHARS, largestEventChars() - 100);
    }

    /** How many big events the byte-budget tests append: about three budgets, an even number. */
    private int bigCount() {
        int n = (int) ((3 * PageBudget.BYTES + bigChars() - 1) / bigChars());
        return n + (n % 2);
    }

    @Test
    void readAll_emptyLog_returnsNothingAndHeadIsStart() {
        GlobalSlice slice = store.readAll(log.start(), 100, EventFilter.ALL);

        assertThat(slice.events()).isEmpty();
        assertThat(store.head()).isEqualTo(log.start());
    }

    @Test
    void readAll_fromStart_returnsEveryEventInAppendOrder() {
        List<UUID> appended = appendInterleaved(30);

        List<RecordedEvent> all = readWholeLog(store);

        assertThat(ids(all)).containsExactlyInAnyOrderElementsOf(appended);
        assertOrdered(all);
        if (log.totallyOrdered()) {
            // Each append returned before the next began, so a total order must be the append order.
            assertThat(ids(all)).containsExactlyElementsOf(appended);
        }
    }

    @Test
    void readAll_pagedWithNext_resumesWithoutDuplicatesOrGaps() {
        List<UUID> appended = appendInterleaved(30);
        List<RecordedEvent> paged = new ArrayList<>();

        Position cursor = log.start();
        for (int i = 0; i < 100; i++) {
            GlobalSlice slice = store.readAll(cursor, 7, EventFilter.ALL);
            assertThat(slice.events()).hasSizeLessThanOrEqualTo(7);
            paged.addAll(slice.events());
            if (slice.events().isEmpty()) {
                break;
            }
            cursor = slice.next();
        }

        assertThat(ids(paged)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(appended);
        assertThat(paged).isEqualTo(readWholeLog(store));
        assertThat(store.readAll(cursor, 100, EventFilter.ALL).events()).isEmpty();
    }

    @Test
    void readAll_byEventType_returnsOnlyThoseAndNextMovesPastOthers() {
        appendInterleaved(30);
        store.append("order-z", ExpectedVersion.ANY, event("Other", "{}"));
        EventFilter paid = new EventFilter(Set.of("OrderPaid"), "");
        List<RecordedEvent> expected = readWholeLog(store).stream()
                .filter(e -> e.eventType().equals("OrderPaid"))
                .toList();

        GlobalSlice slice = store.readAll(log.start(), 100, paid);

        assertThat(expected).hasSize(10);
        assertThat(slice.events()).isEqualTo(expected);
        // The log ends with an event the filter skips: the cursor must still move past it.
        assertThat(store.readAll(slice.next(), 100, EventFilter.ALL).events()).isEmpty();
        assertThat(slice.next()).isEqualTo(store.head());
    }

    @Test
    void readAll_filteredInSmallPages_returnsEachMatchOnce() {
        appendInterleaved(30);
        EventFilter paid = new EventFilter(Set.of("OrderPaid"), "");
        List<RecordedEvent> expected = readWholeLog(store).stream()
                .filter(e -> e.eventType().equals("OrderPaid"))
                .toList();
        List<RecordedEvent> paged = new ArrayList<>();

        Position cursor = log.start();
        for (int i = 0; i < 100 && !cursor.equals(store.head()); i++) {
            GlobalSlice slice = store.readAll(cursor, 3, paid);
            paged.addAll(slice.events());
            cursor = slice.next();
        }

        assertThat(expected).hasSize(10);
        assertThat(paged).isEqualTo(expected);
        assertThat(cursor).isEqualTo(store.head());
    }

    @Test
    void readAll_byAggregatePrefix_returnsOnlyMatchingAggregates() {
        appendInterleaved(30);
        store.append("user-1", ExpectedVersion.ANY, event("UserRegistered", "{}"));

        List<RecordedEvent> orders = readWholeLog(store, new EventFilter(Set.of(), "order-"));
        List<RecordedEvent> users = readWholeLog(store, new EventFilter(Set.of(), "user-"));
        GlobalSlice userSlice = store.readAll(log.start(), 100, new EventFilter(Set.of(), "user-"));

        assertThat(orders).hasSize(30).allMatch(e -> e.aggregateId().startsWith("order-"));
        assertThat(users).extracting(RecordedEvent::aggregateId).containsExactly("user-1");
        assertThat(userSlice.events()).isEqualTo(users);
        List<RecordedEvent> paidB = readWholeLog(store).stream()
                .filter(e -> e.aggregateId().equals("order-b") && e.eventType().equals("OrderPaid"))
                .toList();
        assertThat(paidB).isNotEmpty();
        assertThat(readWholeLog(store, new EventFilter(Set.of("OrderPaid"), "order-b")))
                .isEqualTo(paidB);
    }

    @Test
    void readAll_bigEvents_pagesStopAtTheByteBudgetAndNextResumesRightAfterTheirLastEvent() {
        List<UUID> appended = appendBig(bigCount());
        long total = readWholeLog(store).stream().mapToLong(PageBudget::bytes).sum();

        GlobalSlice first = store.readAll(log.start(), 1000, EventFilter.ALL);

        assertThat(first.events()).isNotEmpty().hasSizeLessThan(bigCount());
        assertThat(pageBytes(first))
                .isLessThan(PageBudget.BYTES + bigChars() + 1000)
                .isLessThan(total / 2);
        List<RecordedEvent> paged = readPagedBig(EventFilter.ALL);
        assertThat(ids(paged)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(appended);
        assertThat(paged).isEqualTo(readWholeLog(store));
        if (log.totallyOrdered()) {
            assertThat(ids(paged)).containsExactlyElementsOf(appended);
        }
    }

    @Test
    void readAll_bigEventsFiltered_shortPagesResumeWithoutSkippingMatches() {
        appendBig(bigCount());
        EventFilter even = new EventFilter(Set.of("BigEven"), "");
        List<RecordedEvent> expected = readWholeLog(store).stream()
                .filter(e -> e.eventType().equals("BigEven"))
                .toList();

        List<RecordedEvent> paged = readPagedBig(even);

        assertThat(expected).hasSize(bigCount() / 2);
        assertThat(paged).isEqualTo(expected);
    }

    /** {@code n} big events over three aggregates, alternately of type {@code BigEven} and {@code BigOdd}. */
    private List<UUID> appendBig(int n) {
        String pad = "x".repeat(bigChars() - 20);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EventData e = event(i % 2 == 0 ? "BigEven" : "BigOdd", "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}");
            store.append("big-" + (i % 3), ExpectedVersion.ANY, e);
            ids.add(e.eventId());
        }
        return ids;
    }

    /**
     * Pages the whole log with a large limit, as the page contract says (until an empty page leaves {@code next} where
     * it was), checking that each page stays within the budget and that its {@code next} covers its last event, and is
     * right after it when the budget stopped the page on a totally ordered engine (that event's position).
     */
    private List<RecordedEvent> readPagedBig(EventFilter filter) {
        List<RecordedEvent> paged = new ArrayList<>();
        Position cursor = log.start();
        for (int pages = 0; pages < 1000; pages++) {
            GlobalSlice slice = store.readAll(cursor, 1000, filter);
            assertThat(pageBytes(slice)).isLessThan(PageBudget.BYTES + bigChars() + 1000);
            if (!slice.events().isEmpty()) {
                Position last = slice.events().getLast().position();
                assertThat(slice.next().covers(last))
                        .as("next %s covers %s", slice.next(), last)
                        .isTrue();
                if (log.totallyOrdered() && pageBytes(slice) >= PageBudget.BYTES) {
                    assertThat(slice.next())
                            .as("next of a page the budget stopped")
                            .isEqualTo(last);
                }
            }
            paged.addAll(slice.events());
            if (slice.events().isEmpty() && slice.next().equals(cursor)) {
                return paged;
            }
            cursor = slice.next();
        }
        throw new AssertionError("paging never reached the end of the log");
    }

    private static long pageBytes(GlobalSlice slice) {
        return slice.events().stream().mapToLong(PageBudget::bytes).sum();
    }

    @Test
    void head_afterAppends_coversEveryAppendAndNothingFollowsIt() {
        List<AppendResult> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(store.append("order-" + (i % 3), ExpectedVersion.ANY, List.of(event(i), event(i))));
        }

        Position head = store.head();

        assertThat(head).isNotEqualTo(log.start());
        assertThat(results).allMatch(r -> head.covers(r.position()), "head covers every append's position");
        assertThat(store.readAll(head, 100, EventFilter.ALL).events()).isEmpty();
        assertThat(readWholeLog(store)).hasSize(12);
        if (log.totallyOrdered()) {
            assertThat(head).isEqualTo(results.getLast().position());
        }
    }

    @Test
    void appendResult_position_isThePositionOfTheLastEventOfTheAppend() {
        store.append("order-1", ExpectedVersion.ANY, List.of(event(1), event(2)));
        AppendResult result = store.append("order-2", ExpectedVersion.ANY, List.of(event(3), event(4), event(5)));

        List<RecordedEvent> order2 = store.read("order-2").events();

        assertThat(order2).hasSize(3);
        assertThat(order2.getLast().position()).isEqualTo(result.position());
        assertThat(readWholeLog(store))
                .filteredOn(e -> e.aggregateId().equals("order-2"))
                .isEqualTo(order2);
    }

    /** Positions strictly increase along {@code events}: globally for a totally ordered engine, else per aggregate. */
    private void assertOrdered(List<RecordedEvent> events) {
        if (log.totallyOrdered()) {
            for (int i = 1; i < events.size(); i++) {
                assertThat(isAfter(events.get(i).position(), events.get(i - 1).position()))
                        .as(
                                "position %s after %s",
                                events.get(i).position(), events.get(i - 1).position())
                        .isTrue();
            }
        }
        byAggregate(events)
                .forEach((aggregate, own) -> assertThat(versions(own))
                        .as(aggregate)
                        .isSorted()
                        .doesNotHaveDuplicates()
                        .startsWith(1L)
                        .endsWith((long) own.size()));
    }

    /** {@code n} single-event appends cycling over three aggregates; every third event is an {@code OrderPaid}. */
    private List<UUID> appendInterleaved(int n) {
        List<UUID> ids = new ArrayList<>();
        String[] aggregates = {"order-a", "order-b", "order-c"};
        for (int i = 0; i < n; i++) {
            EventData e = event(i % 3 == 1 ? "OrderPaid" : "OrderPlaced", "{\"i\":" + i + "}");
            store.append(aggregates[(i / 3) % 3], ExpectedVersion.ANY, e);
            ids.add(e.eventId());
        }
        return ids;
    }
}
