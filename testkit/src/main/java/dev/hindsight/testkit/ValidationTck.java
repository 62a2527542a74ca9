package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rejected requests change nothing: every malformed or oversized append fails with {@link InvalidRequestException}
 * or {@link SizeLimitExceededException}, and afterwards the log, its head and the existing aggregate are exactly as
 * before. Each test starts from a log holding one event in {@code order-1}.
 */
public abstract class ValidationTck extends TckFixture {
    /** Small limits: 1 KiB per event, 4 KiB per append, 100 events per append. */
    private static final StoreLimits SMALL = new StoreLimits(1024, 4096, 100);

    private UUID seedId;
    private List<RecordedEvent> logBefore;
    private Position headBefore;

    @BeforeEach
    final void seedOneEvent() {
        EventData seed = event(0);
        store.append("order-1", ExpectedVersion.NO_STREAM, seed);
        seedId = seed.eventId();
        logBefore = readWholeLog(store);
        headBefore = store.head();
    }

    @Test
    void append_badAggregateIds_rejectedAndNothingStored() {
        assertRejected(InvalidRequestException.class, () -> append("", event(1)));
        assertRejected(InvalidRequestException.class, () -> append("order/1", event(1)));
        assertRejected(InvalidRequestException.class, () -> append("order\n1", event(1)));
        assertRejected(InvalidRequestException.class, () -> append("order\u00001", event(1)));
        assertRejected(InvalidRequestException.class, () -> append("order\u007f1", event(1)));
    }

    @Test
    void append_aggregateIdOver255Utf8Bytes_rejectedAndNothingStored() {
        String twoBytesEach = "\u00e9".repeat(128);

        assertThat(twoBytesEach).hasSize(128);
        assertRejected(InvalidRequestException.class, () -> append(twoBytesEach, event(1)));
        assertRejected(InvalidRequestException.class, () -> append("a".repeat(256), event(1)));
    }

    @Test
    void append_aggregateIdOfExactly255Utf8Bytes_accepted() {
        String id = "\u00e9".repeat(127) + "a";

        store.append(id, ExpectedVersion.NO_STREAM, event(1));

        assertThat(store.read(id).version()).isEqualTo(1);
        assertThat(store.read(id).events())
                .singleElement()
                .satisfies(e -> assertThat(e.aggregateId()).isEqualTo(id));
    }

    @Test
    void append_badEventTypes_rejectedAndNothingStored() {
        assertRejected(InvalidRequestException.class, () -> append("order-1", typed("Order Created")));
        assertRejected(InvalidRequestException.class, () -> append("order-1", typed("order/created")));
        assertRejected(InvalidRequestException.class, () -> append("order-1", typed("Ord\u00e9r")));
        assertRejected(InvalidRequestException.class, () -> append("order-1", typed("")));
        assertRejected(InvalidRequestException.class, () -> append("order-1", typed("T".repeat(101))));
    }

    @Test
    void append_eventTypeOfExactly100Chars_accepted() {
        store.append("order-2", ExpectedVersion.NO_STREAM, typed("T".repeat(100)));

        assertThat(store.read("order-2").events())
                .singleElement()
                .satisfies(e -> assertThat(e.eventType()).isEqualTo("T".repeat(100)));
    }

    @Test
    void append_eventDataNotAJsonObject_rejectedAndNothingStored() {
        for (String data : List.of("{not json", "[1,2]", "\"text\"", "42", "null", "")) {
            assertRejected(InvalidRequestException.class, () -> append("order-1", event("Tested", data)));
        }
    }

    @Test
    void append_metadataNotAJsonObject_rejectedAndNothingStored() {
        for (String metadata : List.of("{", "[]", "\"x\"", "7")) {
            assertRejected(InvalidRequestException.class, () -> append("order-1", event(1).withMetadata(metadata)));
        }
    }

    @Test
    void append_metadataTimestampNotIso8601_rejectedAndNothingStored() {
        for (String ts : List.of("\"yesterday\"", "\"2024-13-01T00:00:00Z\"", "\"2024-05-01 10:00\"", "1714557600")) {
            assertRejected(
                    InvalidRequestException.class,
                    () -> append("order-1", event(1).withMetadata("{\"timestamp\":" + ts + "}")));
        }
    }

    @Test
    void append_schemaVersionBelowOne_rejectedAndNothingStored() {
        for (int schema : new int[] {0, -1}) {
            EventData e = new EventData(UUID.randomUUID(), "Tested", schema, "{}", null);
            assertRejected(InvalidRequestException.class, () -> append("order-1", e));
        }
    }

    @Test
    void append_emptyBatch_rejectedAndNothingStored() {
        assertRejected(InvalidRequestException.class, () -> store.append("order-1", ExpectedVersion.ANY, List.of()));
    }

    @Test
    void append_sameEventIdTwiceInOneBatch_rejectedAndNothingStored() {
        EventData e = event(1);

        assertRejected(
                InvalidRequestException.class,
                () -> store.append("order-2", ExpectedVersion.ANY, List.of(e, event(2), e)));
    }

    @Test
    void append_validAndInvalidEventInOneBatch_rejectedAndNothingStored() {
        assertRejected(
                InvalidRequestException.class,
                () -> store.append("order-1", ExpectedVersion.exact(1), List.of(event(1), event("Tested", "[]"))));
        assertRejected(
                InvalidRequestException.class,
                () -> store.append("order-2", ExpectedVersion.ANY, List.of(event(1), event(2), typed("bad type"))));
    }

    @Test
    void append_eventOverSizeLimit_rejectedAndNothingStored() {
        EventStore limited = EventStore.builder(log).limits(SMALL).build();

        assertRejected(
                SizeLimitExceededException.class, () -> limited.append("order-1", ExpectedVersion.ANY, sized(1100)));
        assertRejected(
                SizeLimitExceededException.class,
                () -> limited.append("order-2", ExpectedVersion.ANY, List.of(sized(100), sized(1100))));
    }

    @Test
    void append_overPerAppendLimits_rejectedAndNothingStored() {
        EventStore limited = EventStore.builder(log).limits(SMALL).build();
        List<EventData> fiveOf900Bytes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fiveOf900Bytes.add(sized(900));
        }

        assertRejected(
                SizeLimitExceededException.class, () -> limited.append("order-1", ExpectedVersion.ANY, fiveOf900Bytes));
        assertRejected(
                SizeLimitExceededException.class, () -> limited.append("order-1", ExpectedVersion.ANY, events(101)));
    }

    @Test
    void append_exactlyMaxEventsPerAppend_accepted() {
        EventStore limited = EventStore.builder(log)
                .limits(new StoreLimits(1024, 1 << 20, 100))
                .build();

        limited.append("order-1", ExpectedVersion.exact(1), events(100));

        assertThat(store.read("order-1").version()).isEqualTo(101);
    }

    private void append(String aggregateId, EventData event) {
        store.append(aggregateId, ExpectedVersion.ANY, event);
    }

    /** Asserts that {@code append} fails with {@code type} and leaves the log exactly as the seed left it. */
    private void assertRejected(Class<? extends HindsightException> type, ThrowingCallable append) {
        assertThatThrownBy(append).isInstanceOf(type);
        assertThat(store.head()).isEqualTo(headBefore);
        assertThat(readWholeLog(store)).isEqualTo(logBefore);
        assertThat(store.read("order-1").events())
                .as("order-1 still holds exactly its seed event")
                .extracting(RecordedEvent::eventId)
                .containsExactly(seedId);
    }

    private static EventData typed(String type) {
        return new EventData(UUID.randomUUID(), type, 1, "{}", null);
    }

    /** An event of about {@code bytes} UTF-8 bytes (type + data + metadata with timestamp). */
    private static EventData sized(int bytes) {
        return event("Tested", "{\"pad\":\"" + "x".repeat(bytes - 60) + "\"}");
    }
}
