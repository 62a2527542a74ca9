package dev.hindsight.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.Json;
import dev.hindsight.core.StoreLimits;
import dev.hindsight.core.spi.ProposedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The canonical check accepts a text only where the streaming and tree paths would store that very text, and accepts
 * the usual canonical events. Property-based over seeded random documents, plus every character and escape, and
 * numbers against {@link java.math.BigDecimal}.
 */
class CanonicalCheckTest {
    private static final Instant NOW = Instant.parse("2026-11-26T18:00:00.123456Z");
    private static final String[] NUMBERS = {
        "0",
        "-0",
        "7",
        "-12",
        "2147483648",
        "9223372036854775808",
        "-99999999999999999999999",
        "0.0",
        "-0.0",
        "1.50",
        "1.5e3",
        "1E+400",
        "-2.5E-7",
        "3.141592653589793238462643383279",
        "100e-2",
        "0.1",
        "0.000001",
        "0.0000001",
        "0.000000",
        "0.0000000",
        "-0.5",
        "19.99",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
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
        "ctl\\b\\f\\r",
        "\u007f",
        "\\u0041"
    };
    private static final RandomJsonDocuments DOCS = new RandomJsonDocuments(NUMBERS, STRINGS, true, 40);

    /** The store's old result for {@code json}: the streaming path, else the tree path; null if it is refused. */
    private static String stored(String json) {
        CanonicalJson.Result r = CanonicalJson.data(json);
        if (r != null) {
            return r.text();
        }
        try {
            return Json.write(Json.parseObject(json, "x"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void assertAcceptedOnlyIfStoredAsIs(String json) {
        long size = CanonicalCheck.data(json);
        if (size >= 0) {
            assertThat(stored(json)).as(json).isEqualTo(json);
            assertThat(size).as(json).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void randomDocuments_acceptedOnlyWhenStoredAsGiven_andCanonicalOutputsAreAccepted() {
        Random random = new Random(20261206);
        int accepted = 0;
        int canonicalAccepted = 0;
        int canonical = 0;
        for (int i = 0; i < 30_000; i++) {
            String json = DOCS.object(random, 0);
            assertAcceptedOnlyIfStoredAsIs(json);
            accepted += CanonicalCheck.data(json) >= 0 ? 1 : 0;
            String out = stored(json);
            if (out != null) {
                canonical++;
                assertAcceptedOnlyIfStoredAsIs(out);
                canonicalAccepted += CanonicalCheck.data(out) >= 0 ? 1 : 0;
            }
        }
        // whitespace, escapes, exponents, duplicates and emoji make many inputs non-canonical; most outputs are
        assertThat(accepted).isGreaterThan(1_000);
        assertThat(canonicalAccepted).isGreaterThan(canonical / 2);
    }

    @Test
    void everyCharacter_rawAndEscaped() {
        for (int c = 0; c <= 0xFFFF; c++) {
            assertAcceptedOnlyIfStoredAsIs("{\"s\":\"" + (char) c + "\"}");
            assertAcceptedOnlyIfStoredAsIs("{\"" + (char) c + "\":1}");
            assertAcceptedOnlyIfStoredAsIs("{\"s\":\"\\" + (char) c + "\"}");
            assertAcceptedOnlyIfStoredAsIs("{\"s\":\"\\u" + String.format("%04x", c) + "\"}");
            assertAcceptedOnlyIfStoredAsIs("{\"s\":\"\\u" + String.format("%04X", c) + "\"}");
        }
        assertThat(CanonicalCheck.data("{\"s\":\"é日\"}")).isEqualTo(13);
        assertThat(CanonicalCheck.data("{\"s\":\"a\\\"b\\\\c\\n\\t\"}")).isPositive();
        assertThat(CanonicalCheck.data("{\"s\":\"😀\"}")).isEqualTo(-1); // surrogates are left to the other paths
    }

    @Test
    void numbers_acceptedExactlyWhenWrittenBackUnchanged() {
        Random random = new Random(7);
        List<String> numbers = new ArrayList<>(List.of(NUMBERS));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            if (random.nextBoolean()) {
                sb.append('-');
            }
            sb.append(
                    random.nextInt(3) == 0
                            ? "0"
                            : digits(random, 1 + random.nextInt(20)).replaceFirst("^0", "1"));
            if (random.nextInt(3) > 0) {
                sb.append('.').append(digits(random, 1 + random.nextInt(9)));
            }
            numbers.add(sb.toString());
        }
        int accepted = 0;
        for (String n : numbers) {
            String json = "{\"n\":" + n + "}";
            assertAcceptedOnlyIfStoredAsIs(json);
            boolean plain = n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
            if (plain && n.length() <= 100) {
                // complete for numbers without an exponent: accepted exactly when stored as written
                assertThat(CanonicalCheck.data(json) >= 0).as(n).isEqualTo(json.equals(stored(json)));
            }
            accepted += CanonicalCheck.data(json) >= 0 ? 1 : 0;
        }
        assertThat(accepted).isGreaterThan(10_000);
    }

    @Test
    void trickyDocuments_refused() {
        String deep = "{\"a\":".repeat(120) + "1" + "}".repeat(120);
        String longNumber = "{\"n\":" + "9".repeat(1_500) + "}";
        StringBuilder wide = new StringBuilder("{");
        for (int i = 0; i < 70; i++) {
            wide.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        for (String json : List.of(
                "{\"a\":1,\"b\":2,\"a\":3}",
                "{\"a\":{\"x\":1,\"x\":2}}",
                "{\"items\":[{\"a\":1,\"b\":2,\"a\":3}]}",
                "{ \"a\":1}",
                "{\"a\" :1}",
                "{\"a\":1 }",
                "{\"a\":[1, 2]}",
                "{\"a\":1}\n",
                " {\"a\":1}",
                "{} trailing",
                "{}{}",
                "[1]",
                "\"s\"",
                "12",
                "",
                "{",
                "}",
                "{\"a\":}",
                "{\"a\":1,}",
                "{\"a\":[1,]}",
                "{'a':1}",
                "{\"a\":NaN}",
                "{\"a\":tru}",
                "{\"a\":nul}",
                "{\"a\":01}",
                "{\"a\":-0}",
                "{\"a\":1e5}",
                "{\"a\":0.0000001}",
                "{\"a\":-0.0}",
                "{\"s\":\"\\ud800\"}",
                "{\"s\":\"\\u0041\"}",
                "{\"s\":\"\\/\"}",
                "{\"\\u0061\":1}",
                "{\"s\":\"\t\"}",
                "{\"s\":\"open}",
                "{\"s\":\"x\\",
                deep,
                longNumber,
                wide + "}")) {
            assertThat(CanonicalCheck.data(json)).as(json).isEqualTo(-1);
            assertThat(CanonicalCheck.metadata(json, NOW)).as(json).isNull();
        }
        // each refused document still gets the store's old answer: rewritten, or refused with its error
        EventValidator v = validator();
        assertThat(v.validate("a", List.of(EventData.of("T", deep))).getFirst().eventData())
                .isEqualTo(stored(deep));
        assertThat(v.validate("a", List.of(EventData.of("T", wide + "}")))
                        .getFirst()
                        .eventData())
                .isEqualTo(wide + "}");
    }

    @Test
    void typicalEvents_accepted() {
        for (String json : List.of(
                "{}",
                "{\"user_id\":\"user_12345\",\"currency\":\"USD\",\"items\":[{\"sku\":\"book-4711\",\"quantity\":2,"
                        + "\"unit_price\":19.99}],\"total_amount\":39.98}",
                "{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":[true,false,null,0,-1,0.5,-0.25,12345678901234567890]}",
                "{\"note\":\"Grüße, 日本\",\"paid\":false,\"coupon\":null,\"x\":{\"note\":1}}")) {
            assertThat(CanonicalCheck.data(json)).as(json).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
            assertThat(stored(json)).isEqualTo(json);
        }
    }

    @Test
    void metadata_sameAsStreamingPath() {
        Random random = new Random(42);
        String[] timestamps = {
            null,
            "null",
            "\"2026-01-02T03:04:05Z\"",
            "\"2026-01-02T03:04:05.120Z\"",
            "\"2026-01-02T03:04:05.120000Z\"",
            "\"2026-01-02T03:04:05.000000001Z\"",
            "\"2026-01-02T05:04:05+02:00\"",
            "\"1970-01-01T00:00:00Z\"",
            "\"2026-01-02T03:04:05\\u005a\"",
            "5",
            "\"yesterday\""
        };
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            String body = stored(DOCS.object(random, 1));
            if (body == null) {
                continue;
            }
            String ts = timestamps[random.nextInt(timestamps.length)];
            String json = ts == null
                    ? body
                    : body.equals("{}")
                            ? "{\"timestamp\":" + ts + "}"
                            : random.nextBoolean()
                                    ? "{\"timestamp\":" + ts + "," + body.substring(1)
                                    : body.substring(0, body.length() - 1) + ",\"timestamp\":" + ts + "}";
            CanonicalJson.Result r = CanonicalCheck.metadata(json, NOW);
            if (r != null) {
                accepted++;
                CanonicalJson.Result expected = CanonicalJson.metadata(json, NOW);
                assertThat(expected).as(json).isNotNull();
                assertThat(r).as(json).isEqualTo(expected);
                assertThat(r.utf8Bytes()).isEqualTo(r.text().getBytes(StandardCharsets.UTF_8).length);
            }
        }
        assertThat(accepted).isGreaterThan(5_000);
        String onlyTimestamp = "{\"timestamp\":\"" + NOW + "\"}";
        assertThat(CanonicalCheck.metadata("{}", NOW))
                .isEqualTo(new CanonicalJson.Result(onlyTimestamp, onlyTimestamp.length(), NOW, true));
        assertThat(CanonicalCheck.metadata("{\"timestamp\":null}", NOW)).isNull();
        assertThat(CanonicalCheck.metadata("{\"timestamp\":\"2026-01-02T03:04:05Z\",\"timestamp\":null}", NOW))
                .isNull();
    }

    @Test
    void validator_storesTheSameAsBefore_forTheCorpus() {
        EventValidator v = validator();
        Random random = new Random(99);
        for (int i = 0; i < 5_000; i++) {
            String json = DOCS.object(random, 0);
            String expected = stored(json);
            if (expected == null) {
                continue;
            }
            ProposedEvent p = v.validate("a", List.of(EventData.of("T", json))).getFirst();
            assertThat(p.eventData()).as(json).isEqualTo(expected);
            ProposedEvent again =
                    v.validate("a", List.of(EventData.of("T", expected))).getFirst();
            assertThat(again.eventData()).isEqualTo(expected);
        }
    }

    private static EventValidator validator() {
        return new EventValidator(StoreLimits.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC), new RandomUuids());
    }

    private static String digits(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + (r.nextInt(3) == 0 ? 0 : r.nextInt(10))));
        }
        return sb.toString();
    }
}
