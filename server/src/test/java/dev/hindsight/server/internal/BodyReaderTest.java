package dev.hindsight.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The body reader's own duplicate-key check: per object, at every depth, in the envelope and in the payloads. */
class BodyReaderTest {
    private static List<EventData> parse(String body) {
        return AppendRequest.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String event(String data) {
        return "{\"event_type\":\"T\",\"event_data\":" + data + "}";
    }

    private static String wide(int keys, String extra) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < keys; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("\"k")
                    .append(i)
                    .append("\":{\"k")
                    .append(i)
                    .append("\":1}");
        }
        return sb.append(extra).append('}').toString();
    }

    @Test
    void duplicateKeys_refusedWhereverTheyAre() {
        for (String body : List.of(
                "{\"event_type\":\"T\",\"event_type\":\"U\",\"event_data\":{}}",
                event("{\"a\":1,\"a\":2}"),
                event("{\"a\":{\"x\":1},\"b\":[[]],\"a\":2}"),
                event("{\"items\":[{\"a\":1},{\"a\":1,\"b\":2,\"a\":3}]}"),
                event("{\"a\":{\"b\":{\"c\":{\"d\":1,\"d\":2}}}}"),
                event(wide(40, ",\"k39\":0")),
                event(wide(40, ",\"k0\":0")),
                event("{\"big\":" + wide(20, "") + ",\"next\":{\"k1\":1,\"k1\":2}}"),
                "{\"event_type\":\"T\",\"event_data\":{},\"metadata\":{\"m\":1,\"m\":1}}")) {
            assertThatThrownBy(() -> parse(body))
                    .as(body)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("body is not valid JSON: Duplicate field '");
        }
        byte[] bulk = ("{\"appends\":[{\"aggregate_id\":\"a\",\"events\":" + event("{}") + ",\"aggregate_id\":\"b\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BodyReader.bulk(bulk, 10))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("body is not valid JSON: Duplicate field 'aggregate_id'");
    }

    @Test
    void sameKeyInOtherObjects_isNoDuplicate_andPayloadsKeepTheirText() {
        for (String data : List.of(
                "{\"items\":[{\"a\":1},{\"a\":2}],\"a\":{\"a\":[{\"a\":1}]}}",
                wide(40, ""),
                "{\"big\":" + wide(20, "") + ",\"next\":{\"k1\":1,\"k2\":2},\"k1\":[" + wide(18, "") + "]}",
                "{ \"spaced\" : [ 1 , 2 ] ,\n \"x\":\"\\u00e9\" }")) {
            assertThat(parse(event(data)).getFirst().eventData()).isEqualTo(data);
        }
    }
    /**
     * A shape error (wrong type, unknown field) is reported only once the body has been read: an error of the JSON
     * after it, at any depth, wins, as it did when the whole tree was built first.
     */
    @Test
    void shapeErrorThenMalformedJson_theJsonErrorWins() {
        Map<String, String> single = new LinkedHashMap<>();
        single.put("[" + event("{}") + ",7,{\"a\":1,\"a\":2}]", "Duplicate field 'a'");
        single.put("{\"zz\":1,\"event_type\":\"T\",\"event_data\":{}", "not valid JSON");
        single.put("{\"event_type\":5,\"event_data\":{},\"x\":[1e999999999999]}", "number out of range");
        single.put("[{\"event_type\":5},{\"event_type\":\"T\",\"event_data\":{}}] 1", "content after the end");
        single.put("\"x\" ]", "not valid JSON");
        for (Map.Entry<String, String> b : single.entrySet()) {
            assertThatThrownBy(() -> parse(b.getKey()))
                    .as(b.getKey())
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(b.getValue());
        }
        byte[] bulk = ("{\"appends\":[7,{\"aggregate_id\":\"a\",\"events\":" + event("{\"k\":{\"b\":1,\"b\":1}}")
                        + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BodyReader.bulk(bulk, 10)).hasMessage("body is not valid JSON: Duplicate field 'b'");
        byte[] envelope = "{\"appends\":{},\"x\":{\"metadata\":{\"c\":1,\"c\":2}}}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BodyReader.bulk(envelope, 10))
                .hasMessage("body is not valid JSON: Duplicate field 'c'");
    }

    /** Of several shape errors, the first the checks of the tree met: fields in a fixed order, events in array order. */
    @Test
    void severalShapeErrors_theFirstInTheCheckOrder() {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put(
                "{\"schema_version\":0,\"event_id\":1,\"metadata\":1,\"event_data\":1,\"event_type\":1,\"b\":1,\"a\":1}",
                "unknown fields a, b; allowed: event_id, event_type, schema_version, event_data, metadata");
        bodies.put(
                "{\"schema_version\":0,\"event_id\":1,\"metadata\":1,\"event_data\":1,\"event_type\":1}",
                "event_type is required and must be a string");
        bodies.put(
                "{\"schema_version\":0,\"event_id\":1,\"metadata\":1,\"event_data\":1,\"event_type\":\"T\"}",
                "event_data is required and must be a JSON object");
        bodies.put(
                "{\"schema_version\":0,\"event_id\":1,\"metadata\":1,\"event_data\":{},\"event_type\":\"T\"}",
                "metadata must be a JSON object");
        bodies.put(
                "{\"schema_version\":0,\"event_id\":1,\"event_data\":{},\"event_type\":\"T\"}",
                "event_id must be a UUID string like \"3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70\"");
        bodies.put(
                "{\"schema_version\":2147483648,\"event_data\":{},\"event_type\":\"T\"}",
                "schema_version must be an integer >= 1");
        bodies.put(
                "[" + event("{}") + ",{\"event_type\":1},{\"x\":1}]",
                "event_type is required and must be a string (event 1)");
        bodies.put("[" + event("{}") + ",null,{\"x\":1}]", "each event must be a JSON object (event 1)");
        bodies.put("[]", "an append needs at least one event");
        bodies.put("true", "body must be an event object or an array of event objects");
        bodies.put("", "body is empty; send an event object or an array of them");
        for (Map.Entry<String, String> b : bodies.entrySet()) {
            assertThatThrownBy(() -> parse(b.getKey())).as(b.getKey()).hasMessage(b.getValue());
        }
    }

    @Test
    void jsonNullFields_areAbsent() {
        EventData e = parse(
                        "{\"event_id\":null,\"event_type\":\"T\",\"schema_version\":null,\"event_data\":{\"a\":null},"
                                + "\"metadata\":null}")
                .getFirst();

        assertThat(e).isEqualTo(new EventData(null, "T", 1, "{\"a\":null}", null));
    }

    /** A large body: thousands of events and megabyte payloads come through whole, as written. */
    @Test
    void hugeBodies_readWhole() {
        String blob = "{\"blob\":\"" + "\u00e9x\\\"".repeat(700_000) + "\",\"n\":[" + "1,".repeat(50_000) + "2]}";
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 5_000; i++) {
            many.append(i == 0 ? "" : ",").append(event("{\"i\":" + i + "}"));
        }
        many.append(",").append(event(blob)).append(']');

        List<EventData> events = parse(many.toString());

        assertThat(events).hasSize(5_001);
        assertThat(events.get(4_999).eventData()).isEqualTo("{\"i\":4999}");
        assertThat(events.getLast().eventData()).isEqualTo(blob).hasSizeGreaterThan(2_000_000);
        StringBuilder bulk = new StringBuilder("{\"appends\":[");
        for (int i = 0; i < 10_001; i++) {
            bulk.append(i == 0 ? "" : ",")
                    .append("{\"aggregate_id\":\"a-")
                    .append(i)
                    .append("\",\"events\":")
                    .append(event("{}"))
                    .append('}');
        }
        byte[] over = bulk.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BodyReader.bulk(over, 10_000))
                .hasMessage("appends must hold 1 to 10000 entries, not 10001");
        byte[] overThenBroken =
                (bulk.substring(0, bulk.length() - 2) + ",{\"a\":1,\"a\":1}]}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BodyReader.bulk(overThenBroken, 10_000))
                .hasMessage("body is not valid JSON: Duplicate field 'a'");
    }
}
