package dev.hindsight.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request tree's own duplicate-key check: per object, at every depth, in the envelope and in the payloads. */
class RequestTreeTest {
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
        assertThatThrownBy(() -> RequestTree.parse(bulk))
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
}
