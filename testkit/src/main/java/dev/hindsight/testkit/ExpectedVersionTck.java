package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.ids;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Optimistic concurrency: {@code any}, {@code no_stream}, {@code exists} and exact versions, the conflict's details,
 * and that a rejected append stores nothing.
 */
public abstract class ExpectedVersionTck extends TckFixture {

    @Test
    void any_onNewAndExistingAggregate_appends() {
        store.append("order-1", ExpectedVersion.ANY, event(1));
        store.append("order-1", ExpectedVersion.ANY, event(2));

        assertThat(versions(store.read("order-1").events())).containsExactly(1L, 2L);
    }

    @Test
    void noStream_onNewAggregate_appends() {
        AppendResult result = store.append("order-1", ExpectedVersion.NO_STREAM, events(2));

        assertThat(result.lastVersion()).isEqualTo(2);
        assertThat(store.read("order-1").version()).isEqualTo(2);
    }

    @Test
    void noStream_onExistingAggregate_throwsWithActualVersion() {
        store.append("order-1", ExpectedVersion.ANY, events(2));

        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.NO_STREAM);

        assertThat(e.aggregateId()).isEqualTo("order-1");
        assertThat(e.expected()).isEqualTo(ExpectedVersion.NO_STREAM);
        assertThat(e.actual()).isEqualTo(2);
    }

    @Test
    void exists_onNewAggregate_throwsWithActualZero() {
        store.append("order-2", ExpectedVersion.ANY, event(1));

        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.EXISTS);

        assertThat(e.aggregateId()).isEqualTo("order-1");
        assertThat(e.expected()).isEqualTo(ExpectedVersion.EXISTS);
        assertThat(e.actual()).isZero();
        assertThat(store.read("order-1").events()).isEmpty();
    }

    @Test
    void exists_onExistingAggregate_appends() {
        store.append("order-1", ExpectedVersion.ANY, event(1));

        AppendResult result = store.append("order-1", ExpectedVersion.EXISTS, event(2));

        assertThat(result.firstVersion()).isEqualTo(2);
        assertThat(versions(store.read("order-1").events())).containsExactly(1L, 2L);
    }

    @Test
    void exact_matchingVersion_appends() {
        store.append("order-1", ExpectedVersion.exact(0), events(2));

        AppendResult result = store.append("order-1", ExpectedVersion.exact(2), events(3));

        assertThat(result.firstVersion()).isEqualTo(3);
        assertThat(result.lastVersion()).isEqualTo(5);
        assertThat(store.read("order-1").version()).isEqualTo(5);
    }

    @Test
    void exact_staleVersion_throwsWithExpectedAndActual() {
        store.append("order-1", ExpectedVersion.ANY, events(2));

        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.exact(1));

        assertThat(e.aggregateId()).isEqualTo("order-1");
        assertThat(e.expected()).isEqualTo(ExpectedVersion.exact(1));
        assertThat(e.actual()).isEqualTo(2);
    }

    @Test
    void exact_versionAhead_throwsWithExpectedAndActual() {
        store.append("order-1", ExpectedVersion.ANY, events(2));

        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.exact(5));

        assertThat(e.expected()).isEqualTo(ExpectedVersion.exact(5));
        assertThat(e.actual()).isEqualTo(2);
    }

    @Test
    void exact_onNewAggregateExpectingEvents_throws() {
        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.exact(3));

        assertThat(e.actual()).isZero();
        assertThat(store.read("order-1").events()).isEmpty();
    }

    @Test
    void wrongVersion_fiveEventBatch_storesNothing() {
        store.append("order-1", ExpectedVersion.ANY, events(2));
        store.append("order-2", ExpectedVersion.ANY, event(1));
        List<RecordedEvent> before = store.read("order-1").events();
        Position head = store.head();
        List<EventData> batch = events(5);

        WrongExpectedVersionException e = catchThrowableOfType(
                WrongExpectedVersionException.class, () -> store.append("order-1", ExpectedVersion.exact(1), batch));

        assertThat(e).isNotNull();
        assertThat(before).hasSize(2);
        assertThat(store.read("order-1").events()).isEqualTo(before);
        assertThat(store.read("order-1").version()).isEqualTo(2);
        assertThat(store.head()).isEqualTo(head);
        assertThat(readWholeLog(store))
                .hasSize(3)
                .extracting(RecordedEvent::eventId)
                .doesNotContainAnyElementsOf(
                        batch.stream().map(EventData::eventId).toList());
    }

    @Test
    void conflict_thenRetryAtActualVersion_appendsContiguously() {
        store.append("order-1", ExpectedVersion.ANY, events(2));
        WrongExpectedVersionException e = conflict("order-1", ExpectedVersion.exact(1));

        store.append("order-1", ExpectedVersion.exact(e.actual()), events(2));

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(versions(stored)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(ids(stored)).doesNotHaveDuplicates();
    }

    /** Appends one event at {@code expected}, expecting a conflict that changes nothing. */
    private WrongExpectedVersionException conflict(String aggregateId, ExpectedVersion expected) {
        List<RecordedEvent> before = store.read(aggregateId).events();
        WrongExpectedVersionException e = catchThrowableOfType(
                WrongExpectedVersionException.class, () -> store.append(aggregateId, expected, event(99)));
        assertThat(e)
                .as("append at %s to '%s' must be rejected", expected, aggregateId)
                .isNotNull();
        assertThat(store.read(aggregateId).events()).isEqualTo(before);
        return e;
    }
}
