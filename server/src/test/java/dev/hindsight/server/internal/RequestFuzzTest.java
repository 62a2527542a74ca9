package dev.hindsight.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of the HTTP request parsing (Jazzer): the append body ({@link BodyReader},
 * {@link AppendRequest}, then the store's validation, {@code CanonicalCheck} and {@code CanonicalJson}), the bulk-append envelope and the query
 * parameters. Without {@code JAZZER_FUZZ=1} each target runs its seed corpus only
 * ({@code src/test/resources/.../RequestFuzzTestInputs/<target>/}, findings included); with it, each fuzzes for
 * {@code maxDuration}. A finding is any failure that the API would answer with other than a 4xx error, an append that
 * stores invalid JSON, a hang or an out-of-memory.
 */
class RequestFuzzTest {
    @FuzzTest(maxDuration = "20s")
    @DictionaryEntries({
        "\"event_type\"",
        "\"event_data\"",
        "\"metadata\"",
        "\"event_id\"",
        "\"schema_version\"",
        "\"timestamp\"",
        "\"correlation_id\"",
        "\"2024-05-01T12:00:00Z\"",
        "\"0e4b7c1a-5d2e-4f6a-9b3c-1d2e3f4a5b6c\"",
        "\\u0000",
        "\\ud800",
        "1e999",
        "-0.0",
        "[",
        "{",
        "}",
        "]",
        ":",
        ","
    })
    void appendBody(byte[] body) {
        EventStore store = EventStore.of(new InMemoryEventLog());
        List<EventData> events;
        try {
            events = AppendRequest.parse(body);
            store.append("fuzz-1", ExpectedVersion.ANY, events);
        } catch (RuntimeException e) {
            assertClientError(e);
            return;
        }
        List<RecordedEvent> stored = store.read("fuzz-1").events();
        assertThat(stored).hasSize(events.size());
        for (RecordedEvent e : stored) {
            // what the store keeps is JSON objects it can read back, in canonical form (written back unchanged),
            // whether the store took the text as given (CanonicalCheck) or rewrote it
            assertThat(Json.write(Json.parseObject(e.eventData(), "event_data")))
                    .isEqualTo(e.eventData());
            assertThat(Json.write(Json.parseObject(e.metadata(), "metadata"))).isEqualTo(e.metadata());
        }
    }

    @FuzzTest(maxDuration = "20s")
    @DictionaryEntries({
        "\"appends\"",
        "\"aggregate_id\"",
        "\"expected_version\"",
        "\"events\"",
        "\"ordered\"",
        "\"no_stream\"",
        "\"any\"",
        "\"exists\"",
        "\"event_type\"",
        "\"event_data\"",
        "true",
        "[",
        "{",
        "}",
        "]",
        ":",
        ","
    })
    void bulkBody(byte[] body) {
        EventStore store = EventStore.of(new InMemoryEventLog());
        try {
            for (BulkAppend.Outcome o : BulkAppend.run(store, body, id -> !id.startsWith("deny"))) {
                if (o.error() != null) {
                    assertThat(o.error().status())
                            .as(new String(o.error().toJson(), StandardCharsets.UTF_8))
                            .isBetween(400, 499);
                }
            }
        } catch (RuntimeException e) {
            assertClientError(e);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void queryParameters(FuzzedDataProvider data) {
        try {
            switch (data.consumeInt(0, 3)) {
                case 0 -> Params.checkQueryString(data.consumeRemainingAsString());
                case 1 -> Params.parseLong(data.consumeRemainingAsString(), "limit");
                case 2 -> Params.instant(data.consumeRemainingAsString(), "as_of");
                default -> Params.position(data.consumeRemainingAsString(), "after", Position.START);
            }
        } catch (RuntimeException e) {
            assertClientError(e);
        }
    }

    /** The API answers {@code e} with a 4xx error: anything else (a 500, an unexpected exception) is a finding. */
    private static void assertClientError(RuntimeException e) {
        ApiError error = ApiError.from(e);
        if (error.status() < 400 || error.status() > 499) {
            throw new AssertionError(
                    "answered " + error.status() + ": " + new String(error.toJson(), StandardCharsets.UTF_8), e);
        }
    }
}
