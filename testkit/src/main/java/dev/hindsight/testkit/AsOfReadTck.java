package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.T0;
import static dev.hindsight.testkit.TckSupport.eventAt;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AggregateSlice;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Time travel: {@code readAsOf(T)} returns exactly the aggregate's events with {@code metadata.timestamp ≤ T}, and the
 * slice's version is the aggregate's version at T.
 */
public abstract class AsOfReadTck extends TckFixture {

    /** Five events of {@code order-1}, one hour apart from {@link TckSupport#T0}, and noise in another aggregate. */
    @BeforeEach
    final void fiveHourlyEvents() {
        for (int h = 0; h < 5; h++) {
            store.append("order-1", ExpectedVersion.ANY, eventAt(hour(h)));
            store.append("order-2", ExpectedVersion.ANY, eventAt(hour(h).minusSeconds(1800)));
        }
    }

    @Test
    void readAsOf_exactEventTime_includesThatEvent() {
        AggregateSlice slice = store.readAsOf("order-1", hour(2), 1, 100);

        assertThat(versions(slice.events())).containsExactly(1L, 2L, 3L);
        assertThat(slice.version()).isEqualTo(3);
        assertThat(slice.events()).extracting(RecordedEvent::aggregateId).containsOnly("order-1");
    }

    @Test
    void readAsOf_betweenEvents_returnsThoseBefore() {
        AggregateSlice slice = store.readAsOf("order-1", hour(3).minusNanos(1), 1, 100);

        assertThat(versions(slice.events())).containsExactly(1L, 2L, 3L);
        assertThat(slice.version()).isEqualTo(3);
        assertThat(slice.events()).allMatch(e -> !e.timestamp().isAfter(hour(3).minusNanos(1)));
    }

    @Test
    void readAsOf_beforeFirstEvent_returnsEmptyAtVersionZero() {
        AggregateSlice slice = store.readAsOf("order-1", hour(0).minusNanos(1), 1, 100);

        assertThat(slice.events()).isEmpty();
        assertThat(slice.version()).isZero();
        assertThat(store.read("order-1").version()).isEqualTo(5);
    }

    @Test
    void readAsOf_afterLastEvent_returnsEverything() {
        AggregateSlice slice = store.readAsOf("order-1", hour(10), 1, 100);

        assertThat(slice.events()).isEqualTo(store.read("order-1").events());
        assertThat(slice.version()).isEqualTo(5);
    }

    @Test
    void readAsOf_withLimit_pagesButReportsVersionAtInstant() {
        AggregateSlice first = store.readAsOf("order-1", hour(3), 1, 2);
        AggregateSlice second = store.readAsOf("order-1", hour(3), 3, 2);

        assertThat(versions(first.events())).containsExactly(1L, 2L);
        assertThat(versions(second.events())).containsExactly(3L, 4L);
        assertThat(first.version()).isEqualTo(4);
        assertThat(second.version()).isEqualTo(4);
    }

    @Test
    void readAsOf_unknownAggregate_returnsEmptyAtVersionZero() {
        AggregateSlice slice = store.readAsOf("order-3", hour(10), 1, 100);

        assertThat(slice.events()).isEmpty();
        assertThat(slice.version()).isZero();
    }

    private static Instant hour(int h) {
        return T0.plus(Duration.ofHours(h));
    }
}
