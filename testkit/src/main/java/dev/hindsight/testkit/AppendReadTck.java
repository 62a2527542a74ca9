package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.T0;
import static dev.hindsight.testkit.TckSupport.clockAt;
import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.json;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AggregateSlice;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Appends and aggregate reads: contiguous versions from 1, paging in both directions, exact round trip of every field,
 * and the store-assigned {@code metadata.timestamp}.
 */
public abstract class AppendReadTck extends TckFixture {

    @Test
    void append_singleEvent_storesItAtVersionOne() {
        AppendResult result = store.append("order-1", ExpectedVersion.ANY, event(1));

        assertThat(result.aggregateId()).isEqualTo("order-1");
        assertThat(result.firstVersion()).isEqualTo(1);
        assertThat(result.lastVersion()).isEqualTo(1);
        AggregateSlice slice = store.read("order-1");
        assertThat(slice.version()).isEqualTo(1);
        assertThat(versions(slice.events())).containsExactly(1L);
        assertThat(slice.events().getFirst().position()).isEqualTo(result.position());
    }

    @Test
    void append_batches_assignContiguousVersionsFromOne() {
        AppendResult first = store.append("order-1", ExpectedVersion.ANY, events(3));
        AppendResult second = store.append("order-1", ExpectedVersion.ANY, events(4));

        assertThat(first.firstVersion()).isEqualTo(1);
        assertThat(first.lastVersion()).isEqualTo(3);
        assertThat(second.firstVersion()).isEqualTo(4);
        assertThat(second.lastVersion()).isEqualTo(7);
        assertThat(versions(store.read("order-1").events())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(log.aggregateVersion("order-1")).isEqualTo(7);
    }

    @Test
    void append_batch_keepsTheOrderOfItsEvents() {
        List<EventData> batch = events(5);

        store.append("order-1", ExpectedVersion.ANY, batch);

        assertThat(store.read("order-1").events())
                .extracting(RecordedEvent::eventId)
                .containsExactlyElementsOf(
                        batch.stream().map(EventData::eventId).toList());
    }

    @Test
    void append_interleavedAggregates_keepsEachAggregateContiguous() {
        for (int i = 0; i < 5; i++) {
            store.append("order-a", ExpectedVersion.ANY, event(i));
            store.append("order-b", ExpectedVersion.ANY, events(2));
        }

        assertThat(versions(store.read("order-a").events())).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(versions(store.read("order-b").events())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(store.read("order-a").events()).allMatch(e -> e.aggregateId().equals("order-a"));
        assertThat(log.aggregateVersion("order-a")).isEqualTo(5);
        assertThat(log.aggregateVersion("order-b")).isEqualTo(10);
    }

    @Test
    void read_forwardPages_returnRequestedWindow() {
        store.append("order-1", ExpectedVersion.ANY, events(10));

        AggregateSlice middle = store.read("order-1", 3, 4, ReadDirection.FORWARD);
        AggregateSlice tail = store.read("order-1", 9, 5, ReadDirection.FORWARD);
        AggregateSlice beyond = store.read("order-1", 11, 5, ReadDirection.FORWARD);
        AggregateSlice exactEnd = store.read("order-1", 7, 4, ReadDirection.FORWARD);

        assertThat(versions(middle.events())).containsExactly(3L, 4L, 5L, 6L);
        assertThat(versions(tail.events())).containsExactly(9L, 10L);
        assertThat(beyond.events()).isEmpty();
        assertThat(versions(exactEnd.events())).containsExactly(7L, 8L, 9L, 10L);
        // Each slice's version is the aggregate's, whether the page ends at its last event or not.
        assertThat(middle.version()).isEqualTo(10);
        assertThat(tail.version()).isEqualTo(10);
        assertThat(beyond.version()).isEqualTo(10);
        assertThat(exactEnd.version()).isEqualTo(10);
        assertThat(store.readEvents("order-1", 9, 5, ReadDirection.FORWARD)).isEqualTo(tail.events());
    }

    @Test
    void read_backwardFromEnd_returnsNewestFirst() {
        store.append("order-1", ExpectedVersion.ANY, events(10));

        AggregateSlice newest = store.read("order-1", Long.MAX_VALUE, 3, ReadDirection.BACKWARD);
        AggregateSlice oldest = store.read("order-1", 4, 10, ReadDirection.BACKWARD);

        assertThat(versions(newest.events())).containsExactly(10L, 9L, 8L);
        assertThat(versions(oldest.events())).containsExactly(4L, 3L, 2L, 1L);
        assertThat(newest.version()).isEqualTo(10);
        assertThat(oldest.version()).isEqualTo(10);
    }

    @Test
    void read_pagingForwardWithLastVersion_visitsEveryEventOnce() {
        store.append("order-1", ExpectedVersion.ANY, events(23));
        List<Long> seen = new ArrayList<>();

        long from = 1;
        for (List<RecordedEvent> page =
                        store.read("order-1", from, 5, ReadDirection.FORWARD).events();
                !page.isEmpty();
                page = store.read("order-1", from, 5, ReadDirection.FORWARD).events()) {
            seen.addAll(versions(page));
            from = page.getLast().version() + 1;
        }

        assertThat(seen).hasSize(23).doesNotHaveDuplicates().isSorted();
        assertThat(seen.getFirst()).isEqualTo(1);
        assertThat(seen.getLast()).isEqualTo(23);
    }

    @Test
    void read_unknownAggregate_returnsEmptyAtVersionZero() {
        store.append("order-1", ExpectedVersion.ANY, event(1));

        assertThat(store.read("order-2").events()).isEmpty();
        assertThat(store.read("order-2").version()).isZero();
        assertThat(store.read("order-2", 1, 10, ReadDirection.FORWARD).events()).isEmpty();
        assertThat(store.read("order-2", Long.MAX_VALUE, 10, ReadDirection.BACKWARD)
                        .events())
                .isEmpty();
        assertThat(log.aggregateVersion("order-2")).isZero();
        assertThat(log.aggregateVersion("order-1")).isEqualTo(1);
    }

    @Test
    void read_afterAppend_roundTripsEveryField() {
        UUID id = UUID.fromString("0b8f7c52-7a0e-4c47-9a8f-2d6f1e3c9b01");
        String data = "{\"amount\":1250,\"currency\":\"EUR\",\"note\":\"caf\u00e9 \u2615\",\"lines\":[{\"sku\":\"A\","
                + "\"qty\":2}],\"ratio\":12.5,\"paid\":true,\"coupon\":null}";
        String metadata = "{\"user_id\":\"u-7\",\"correlation_id\":\"c-1\",\"causation_id\":\"c-0\","
                + "\"timestamp\":\"2024-05-01T10:00:00.123456Z\"}";

        AppendResult result = store.append(
                "order-1", ExpectedVersion.NO_STREAM, new EventData(id, "OrderCreated", 3, data, metadata));

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(stored).hasSize(1);
        RecordedEvent e = stored.getFirst();
        assertThat(e.eventId()).isEqualTo(id);
        assertThat(e.aggregateId()).isEqualTo("order-1");
        assertThat(e.eventType()).isEqualTo("OrderCreated");
        assertThat(e.schemaVersion()).isEqualTo(3);
        assertThat(json(e.eventData())).isEqualTo(json(data));
        assertThat(json(e.metadata())).isEqualTo(json(metadata));
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2024-05-01T10:00:00.123456Z"));
        assertThat(e.version()).isEqualTo(1);
        assertThat(e.position()).isEqualTo(result.position());
        assertThat(e.recordedAt()).isNotNull();
        assertThat(readWholeLog(store)).containsExactly(e);
    }

    @Test
    void append_metadataWithoutTimestamp_getsTheStoreClockTime() {
        EventStore fixed = EventStore.builder(log).clock(clockAt(T0)).build();

        fixed.append("order-1", ExpectedVersion.ANY, event(1));
        fixed.append("order-1", ExpectedVersion.ANY, event(2).withMetadata("{\"user_id\":\"u-1\"}"));

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(stored).hasSize(2);
        assertThat(stored).extracting(RecordedEvent::timestamp).containsOnly(T0);
        assertThat(json(stored.get(0).metadata())).isEqualTo(json("{\"timestamp\":\"" + T0 + "\"}"));
        assertThat(json(stored.get(1).metadata()))
                .isEqualTo(json("{\"user_id\":\"u-1\",\"timestamp\":\"" + T0 + "\"}"));
    }

    @Test
    void append_metadataWithTimestamp_keepsIt() {
        Instant given = Instant.parse("2023-01-02T03:04:05Z");
        EventStore fixed = EventStore.builder(log).clock(clockAt(T0)).build();

        fixed.append("order-1", ExpectedVersion.ANY, event(1).withMetadata("{\"timestamp\":\"" + given + "\"}"));

        List<RecordedEvent> stored = store.read("order-1").events();
        assertThat(stored).hasSize(1);
        assertThat(stored.getFirst().timestamp()).isEqualTo(given);
        assertThat(json(stored.getFirst().metadata()).get("timestamp").asText()).isEqualTo(given.toString());
    }

    @Test
    void append_preciseAndHugeNumbers_roundTripExactly() {
        String data = "{\"amount\":0.10000000000000000001,\"big\":1e400,\"n\":12345678901234567890123}";
        store.append("order-1", ExpectedVersion.ANY, EventData.of("Priced", data));
        String stored = store.read("order-1").events().getFirst().eventData();
        assertThat(stored)
                .contains("0.10000000000000000001")
                .contains("12345678901234567890123")
                .doesNotContain("Infinity");
    }
}
