package dev.hindsight.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreLimits;
import dev.hindsight.core.spi.ProposedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The streaming fast path must give exactly what the tree path (parse to a tree, write it back) gives, and must give
 * up wherever the two could differ. Property-based over seeded random documents.
 */
class CanonicalJsonTest {
    private static final Instant NOW = Instant.parse("2026-11-26T18:00:00.123456Z");
    private static final String[] NUMBERS = {
        "0",
        "-0",
        "7",
        "-12",
        "2147483647",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "-99999999999999999999999",
        "0.0",
        "-0.0",
        "1.50",
        "1.5e3",
        "1E+400",
        "-2.5E-7",
        "3.141592653589793238462643383279",
        "1e0",
        "100e-2",
        "0.1",
        "1.0000000000000001"
    };
    private static final String[] STRINGS = {
        "",
        "a",
        "Grüße",
        "日本語",
        "😀 emoji",
        "tab\\tnew\\nline",
        "\\u00e9",
        "\\u0000\\u001f\\u007f",
        "quote\\\"back\\\\slash",
        "\\/solidus",
        "\\ud83d\\ude00",
        "\u2028\u2029",
        "ctl\\b\\f\\r"
    };
    private static final RandomJsonDocuments DOCS = new RandomJsonDocuments(NUMBERS, STRINGS, false, 8);

    /** The old validator's path: a tree with exact decimals, written compactly. */
    private static String viaTree(String json) {
        return Json.write(Json.parseObject(json, "x"));
    }

    @Test
    void data_randomDocuments_sameAsTreePath() {
        Random random = new Random(20261126);
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String json = DOCS.object(random, 0);
            CanonicalJson.Result r = CanonicalJson.data(json);
            String expected = viaTree(json);
            if (r != null) {
                fast++;
                assertThat(r.text()).as(json).isEqualTo(expected);
                assertThat(r.utf8Bytes()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8).length);
            }
        }
        // documents with a duplicate key or a surrogate (an emoji) leave the fast path; every other one takes it
        assertThat(fast).isGreaterThan(15_000);
    }

    @Test
    void metadata_randomDocuments_sameAsTreePathWithTimestamp() {
        Random random = new Random(42);
        String[] timestamps = {
            null,
            "null",
            "\"2026-01-02T03:04:05Z\"",
            "\"2026-01-02T03:04:05.120Z\"",
            "\"2026-01-02T03:04:05.000000001Z\"",
            "\"2026-01-02T05:04:05+02:00\"",
            "\"1970-01-01T00:00:00Z\""
        };
        for (int i = 0; i < 5_000; i++) {
            String body = DOCS.object(random, 1).strip();
            String ts = timestamps[random.nextInt(timestamps.length)];
            String json = ts == null
                    ? body
                    : Json.parseObject(body, "b").isEmpty()
                            ? "{\"timestamp\":" + ts + "}"
                            : random.nextBoolean()
                                    ? "{\"timestamp\":" + ts + "," + body.substring(1)
                                    : body.substring(0, body.length() - 1) + ",\"timestamp\":" + ts + "}";
            CanonicalJson.Result r = CanonicalJson.metadata(json, NOW);
            ObjectNode tree = Json.parseObject(json, "metadata");
            JsonNode t = tree.get("timestamp");
            boolean assigned = t == null || t.isNull();
            Instant expectedTs = assigned ? NOW : Instant.parse(t.asText());
            tree.put("timestamp", expectedTs.toString());
            if (r != null) {
                assertThat(r.text()).as(json).isEqualTo(Json.write(tree));
                assertThat(r.timestamp()).isEqualTo(expectedTs);
                assertThat(r.timestampAssigned()).isEqualTo(assigned);
                assertThat(r.utf8Bytes()).isEqualTo(r.text().getBytes(StandardCharsets.UTF_8).length);
            }
        }
    }

    @Test
    void data_typicalEvent_takesFastPath() {
        String json = "{\"order_id\":\"o-1\",\"lines\":[{\"sku\":\"A-1\",\"qty\":2,\"price\":19.90}],"
                + "\"note\":\"Grüße, 日本\",\"paid\":false,\"coupon\":null}";
        CanonicalJson.Result r = CanonicalJson.data(json);
        assertThat(r).isNotNull();
        assertThat(r.text()).isEqualTo(json);
        assertThat(CanonicalJson.metadata("{\"user_id\":\"u\"}", NOW)).isNotNull();
    }

    @Test
    void metadata_absent_onlyTimestamp() {
        CanonicalJson.Result r = CanonicalJson.metadataOf(NOW);
        ObjectNode tree = Json.mapper().createObjectNode().put("timestamp", NOW.toString());
        assertThat(r.text()).isEqualTo(Json.write(tree));
        assertThat(r.timestampAssigned()).isTrue();
    }

    @Test
    void data_whereTreeAndStreamCouldDiffer_givesUp() {
        for (String json : List.of(
                "{\"a\":1,\"b\":2,\"a\":3}",
                "{\"a\":{\"x\":1,\"x\":2}}",
                "{} trailing",
                "{}{}",
                "[1]",
                "\"s\"",
                "12",
                "",
                "   ",
                "{",
                "{\"a\":}",
                "{'a':1}",
                "{\"a\":NaN}",
                "{\"a\":01}",
                "{\"s\":\"\\ud800\"}",
                "{\"a\":1}]")) {
            assertThat(CanonicalJson.data(json)).as(json).isNull();
        }
    }

    @Test
    void metadata_badTimestamps_givesUp() {
        for (String json : List.of(
                "{\"timestamp\":5}",
                "{\"timestamp\":\"yesterday\"}",
                "{\"timestamp\":{}}",
                "{\"timestamp\":\"2026-01-02\"}",
                "{\"timestamp\":\"+2026-01-02T03:04:05Z\"}",
                "{\"timestamp\":null,\"timestamp\":\"2026-01-02T03:04:05Z\"}")) {
            assertThat(CanonicalJson.metadata(json, NOW)).as(json).isNull();
        }
    }

    @Test
    void duplicateKeys_areFoundPerObject_atEveryDepth() {
        // the same key in sibling objects, in an object and its child, and in many-keyed objects is no duplicate
        StringBuilder wide = new StringBuilder("{");
        for (int i = 0; i < 40; i++) {
            wide.append(i == 0 ? "" : ",")
                    .append("\"k")
                    .append(i)
                    .append("\":{\"k")
                    .append(i)
                    .append("\":1}");
        }
        for (String ok : List.of("{\"items\":[{\"a\":1},{\"a\":2}],\"a\":{\"a\":[{\"a\":1}]}}", wide + "}")) {
            assertThat(CanonicalJson.data(ok)).as(ok).isNotNull();
        }
        for (String dup : List.of(
                "{\"items\":[{\"a\":1,\"b\":2,\"a\":3}]}",
                "{\"a\":{\"x\":1},\"b\":[[]],\"a\":2}",
                wide + ",\"k39\":0}",
                wide + ",\"k0\":0}")) {
            assertThat(CanonicalJson.data(dup)).as(dup).isNull();
        }
    }

    @Test
    void validate_duplicateKeys_keepTreeSemantics() {
        EventValidator v = validator(StoreLimits.DEFAULT);
        ProposedEvent p = v.validate(
                        "a",
                        List.of(new EventData(
                                null,
                                "T",
                                1,
                                "{\"a\":1,\"b\":2,\"a\":3}",
                                "{\"timestamp\":\"2026-01-02T03:04:05Z\",\"k\":1,\"timestamp\":null}")))
                .getFirst();
        assertThat(p.eventData()).isEqualTo("{\"a\":3,\"b\":2}");
        assertThat(p.metadata()).isEqualTo("{\"timestamp\":\"" + NOW + "\",\"k\":1}");
        assertThat(p.timestampAssigned()).isTrue();
    }

    @Test
    void validate_errors_unchanged() {
        EventValidator v = validator(StoreLimits.DEFAULT);
        assertThatThrownBy(() -> v.validate("a", List.of(EventData.of("T", "[1]"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("event_data must be a JSON object");
        assertThatThrownBy(() -> v.validate("a", List.of(EventData.of("T", "{}"), EventData.of("T", "{x"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("event_data (event 1) is not" + " valid JSON");
        assertThatThrownBy(() -> v.validate("a", List.of(EventData.of("T", "{}").withMetadata("{\"timestamp\":1}"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("metadata.timestamp must be an ISO-8601 string");
        assertThatThrownBy(
                        () -> v.validate("a", List.of(EventData.of("T", "{}").withMetadata("{\"timestamp\":\"x\"}"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("metadata.timestamp is not an ISO-8601 instant: 'x'");
        assertThatThrownBy(() -> v.validate("a", List.of(EventData.of("T", "{}"), EventData.of("T!", "{}"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("event_type may only contain A-Z a-z 0-9 _ . - (event 1)");
    }

    @Test
    void validate_sizeLimit_countsUtf8BytesOfCanonicalText() {
        String meta = "{\"timestamp\":\"" + NOW + "\"}";
        String data = "{\"s\":\"é\"}"; // 10 bytes of UTF-8, 9 chars
        int exact = 1 + 10 + meta.length();
        assertThat(validator(new StoreLimits(exact, 1 << 20, 10))
                        .validate("a", List.of(EventData.of("T", "{ \"s\" : \"\\u00e9\" }"))))
                .hasSize(1);
        assertThatThrownBy(() -> validator(new StoreLimits(exact - 1, 1 << 20, 10))
                        .validate("a", List.of(EventData.of("T", data))))
                .isInstanceOf(SizeLimitExceededException.class)
                .hasMessage("event is " + exact + " bytes; the limit is " + (exact - 1));
    }

    @Test
    void randomUuids_version4AndDistinct() {
        RandomUuids ids = new RandomUuids();
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = ids.get();
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(seen.add(id)).isTrue();
        }
    }

    private static EventValidator validator(StoreLimits limits) {
        return new EventValidator(limits, Clock.fixed(NOW, ZoneOffset.UTC), new RandomUuids());
    }
}
