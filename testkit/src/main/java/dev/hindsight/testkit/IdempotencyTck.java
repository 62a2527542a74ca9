package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.id;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Idempotent appends keyed by {@code event_id}: an exact retry returns the original result and stores nothing, while
 * an id reused with other content, or a retry that only partly overlaps a stored append, is rejected and changes
 * nothing.
 */
public abstract class IdempotencyTck extends TckFixture {

    @Test
    void append_exactRetry_returnsSameResultAndStoresOnce() {
        EventData e = created(1);
        AppendResult first = store.append("order-1", ExpectedVersion.NO_STREAM, e);
        Position head = store.head();

        AppendResult retry = store.append("order-1", ExpectedVersion.NO_STREAM, e);

        assertThat(retry).isEqualTo(first);
        assertThat(versions(store.read("order-1").events())).containsExactly(1L);
        assertThat(store.head()).isEqualTo(head);
        assertThat(readWholeLog(store)).hasSize(1);
    }

    @Test
    void append_retryAfterOtherAppends_returnsOriginalResultAndStoresNothing() {
        List<EventData> batch = List.of(created(1), created(2));
        AppendResult first = store.append("order-1", ExpectedVersion.NO_STREAM, batch);
        store.append("order-1", ExpectedVersion.exact(2), events(3));
        store.append("order-2", ExpectedVersion.ANY, events(2));
        List<RecordedEvent> before = readWholeLog(store);

        // The client never saw the first acknowledgement and resends the same request, expected version included.
        AppendResult retry = store.append("order-1", ExpectedVersion.NO_STREAM, batch);

        assertThat(retry).isEqualTo(first);
        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.read("order-1").version()).isEqualTo(5);
    }

    @Test
    void append_retryOfThreeEventBatch_returnsSameResultAndStoresOnce() {
        store.append("order-1", ExpectedVersion.ANY, events(2));
        List<EventData> batch = List.of(created(1), created(2), created(3));
        AppendResult first = store.append("order-1", ExpectedVersion.exact(2), batch);

        AppendResult retry = store.append("order-1", ExpectedVersion.exact(2), batch);

        assertThat(first.firstVersion()).isEqualTo(3);
        assertThat(first.lastVersion()).isEqualTo(5);
        assertThat(retry).isEqualTo(first);
        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(versions(stored)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(stored.subList(2, 5)).extracting(RecordedEvent::eventId).containsExactly(id(1), id(2), id(3));
    }

    @Test
    void append_retryWithAnyExpectedVersion_storesOnce() {
        AppendResult first = store.append("order-1", ExpectedVersion.ANY, created(1));

        AppendResult retry = store.append("order-1", ExpectedVersion.ANY, created(1));

        assertThat(retry).isEqualTo(first);
        assertThat(store.read("order-1").version()).isEqualTo(1);
    }

    @Test
    void append_sameIdWithDifferentData_throwsDuplicateAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, created(1));
        List<RecordedEvent> before = readWholeLog(store);
        Position head = store.head();
        EventData changed = new EventData(id(1), "OrderCreated", 1, "{\"total\":999}", null);

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, changed))
                .isInstanceOf(DuplicateEventIdException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.head()).isEqualTo(head);
    }

    @Test
    void append_sameIdWithDifferentType_throwsDuplicateAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, created(1));
        List<RecordedEvent> before = readWholeLog(store);
        EventData changed = new EventData(id(1), "OrderPaid", 1, "{\"total\":1}", null);

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, changed))
                .isInstanceOf(DuplicateEventIdException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
    }

    @Test
    void append_sameIdOnOtherAggregate_throwsDuplicateAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, created(1));
        List<RecordedEvent> before = readWholeLog(store);

        assertThatThrownBy(() -> store.append("order-2", ExpectedVersion.ANY, created(1)))
                .isInstanceOf(DuplicateEventIdException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.read("order-2").events()).isEmpty();
    }

    @Test
    void append_partialOverlapWithStoredAppend_throwsDuplicateAndStoresNothing() {
        store.append("order-1", ExpectedVersion.NO_STREAM, List.of(created(1), created(2)));
        List<RecordedEvent> before = readWholeLog(store);
        Position head = store.head();

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, List.of(created(2), created(3))))
                .isInstanceOf(DuplicateEventIdException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.head()).isEqualTo(head);
        assertThat(store.read("order-1").version()).isEqualTo(2);
    }

    @Test
    void append_newEventThenStoredOne_throwsDuplicateAndStoresNothing() {
        store.append("order-1", ExpectedVersion.NO_STREAM, created(1));
        List<RecordedEvent> before = readWholeLog(store);

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, List.of(created(2), created(1))))
                .isInstanceOf(DuplicateEventIdException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
    }

    /** A deterministic event: the same {@code n} always gives the same id and content. */
    private static EventData created(int n) {
        return new EventData(id(n), "OrderCreated", 1, "{\"total\":" + n + "}", null);
    }
}
