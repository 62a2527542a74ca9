package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.T0;
import static dev.hindsight.testkit.TckSupport.eventAt;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.TimestampOrderException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Business time never decreases within an aggregate: an event whose {@code metadata.timestamp} is before the previous
 * event's is rejected and nothing of its append is stored; other aggregates keep their own timelines.
 */
public abstract class TimestampOrderTck extends TckFixture {
    private static final Instant T1 = T0.plus(Duration.ofHours(1));
    private static final Instant T2 = T0.plus(Duration.ofHours(2));

    @Test
    void append_timestampBeforePrevious_throwsAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, eventAt(T1));
        List<RecordedEvent> before = readWholeLog(store);
        Position head = store.head();

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, eventAt(T0)))
                .isInstanceOf(TimestampOrderException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.head()).isEqualTo(head);
        assertThat(store.read("order-1").version()).isEqualTo(1);
    }

    @Test
    void append_batchWithDecreasingTimestamps_throwsAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, eventAt(T0));
        List<RecordedEvent> before = readWholeLog(store);

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, List.of(eventAt(T2), eventAt(T1))))
                .isInstanceOf(TimestampOrderException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
        assertThat(store.read("order-1").version()).isEqualTo(1);
    }

    @Test
    void append_batchWhoseFirstEventIsBeforePrevious_throwsAndStoresNothing() {
        store.append("order-1", ExpectedVersion.ANY, eventAt(T1));
        List<RecordedEvent> before = readWholeLog(store);

        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, List.of(eventAt(T0), eventAt(T2))))
                .isInstanceOf(TimestampOrderException.class);

        assertThat(readWholeLog(store)).isEqualTo(before);
    }

    @Test
    void append_equalOrLaterTimestamp_appends() {
        store.append("order-1", ExpectedVersion.ANY, eventAt(T1));

        store.append("order-1", ExpectedVersion.ANY, eventAt(T1));
        store.append("order-1", ExpectedVersion.ANY, List.of(eventAt(T2), eventAt(T2)));

        assertThat(store.read("order-1").events())
                .extracting(RecordedEvent::timestamp)
                .containsExactly(T1, T1, T2, T2);
    }

    @Test
    void append_earlierTimestampOnOtherAggregate_appends() {
        store.append("order-1", ExpectedVersion.ANY, eventAt(T2));

        store.append("order-2", ExpectedVersion.ANY, eventAt(T0));
        assertThatThrownBy(() -> store.append("order-1", ExpectedVersion.ANY, eventAt(T1)))
                .isInstanceOf(TimestampOrderException.class);
        store.append("order-2", ExpectedVersion.ANY, eventAt(T1));

        assertThat(store.read("order-1").events())
                .extracting(RecordedEvent::timestamp)
                .containsExactly(T2);
        assertThat(store.read("order-2").events())
                .extracting(RecordedEvent::timestamp)
                .containsExactly(T0, T1);
    }

    @Test
    void append_storeAssignedTimestampsFromRacingWriters_neverRejectedAndNeverDecrease() throws Exception {
        java.util.concurrent.atomic.AtomicLong clockTicks = new java.util.concurrent.atomic.AtomicLong();
        // A clock that runs backwards on every read: the worst case of writers reading the clock in another order
        // than the engine serializes them (and of an NTP step back).
        java.time.Clock backwards = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return T0.minusMillis(clockTicks.incrementAndGet());
            }
        };
        dev.hindsight.core.EventStore racing =
                dev.hindsight.core.EventStore.builder(log).clock(backwards).build();
        for (int i = 0; i < 20; i++) {
            racing.append("order-1", ExpectedVersion.ANY, dev.hindsight.core.EventData.of("Tick", "{}"));
        }
        List<RecordedEvent> events = store.read("order-1").events();
        assertThat(events).hasSize(20);
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).timestamp())
                    .isAfterOrEqualTo(events.get(i - 1).timestamp());
            assertThat(events.get(i).metadata())
                    .contains(events.get(i).timestamp().toString());
        }
    }
}
