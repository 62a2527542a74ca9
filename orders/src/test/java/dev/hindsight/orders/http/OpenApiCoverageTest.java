package dev.hindsight.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.orders.OrdersServer;
import dev.hindsight.testkit.clock.SteppingClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/openapi.json} describes exactly the routes the server (with the order system) serves. */
class OpenApiCoverageTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([a-z_]+)}");

    @TempDir
    Path dir;

    @Test
    void document_matchesRoutes_refsResolve_pathParametersDeclared() {
        try (OrdersServer t = new OrdersServer(dir, new SteppingClock(1))) {
            JsonNode doc = t.get("/api/openapi.json").json();

            Set<String> documented = new HashSet<>();
            for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
                for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                    if (METHODS.contains(op.getKey())) {
                        documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                        assertThat(op.getValue().has("responses"))
                                .as(op.getKey() + " " + path.getKey())
                                .isTrue();
                    }
                }
                checkPathParameters(doc, path.getKey(), path.getValue());
            }
            Set<String> served = new HashSet<>();
            t.server.routes().forEach(r -> served.add(r.method() + " " + r.path()));

            assertThat(documented).as("documented but not served").isSubsetOf(served);
            assertThat(served).as("served but not documented").isSubsetOf(documented);
            assertThat(served)
                    .contains(
                            "POST /api/orders",
                            "GET /api/orders/{order_id}/history",
                            "GET /api/projections",
                            "POST /api/aggregates/{aggregate_id}/events");
            List<String> refs = new ArrayList<>();
            collectRefs(doc, refs);
            assertThat(refs)
                    .isNotEmpty()
                    .allSatisfy(ref -> assertThat(doc.at(ref.substring(1)).isMissingNode())
                            .as("unresolved " + ref)
                            .isFalse());
        }
    }

    private static void checkPathParameters(JsonNode doc, String path, JsonNode item) {
        Matcher m = PATH_PARAM.matcher(path);
        while (m.find()) {
            String name = m.group(1);
            boolean declared = false;
            for (JsonNode p : item.path("parameters")) {
                JsonNode resolved =
                        p.has("$ref") ? doc.at(p.get("$ref").asText().substring(1)) : p;
                declared |= name.equals(resolved.path("name").asText())
                        && "path".equals(resolved.path("in").asText());
            }
            assertThat(declared).as(path + " declares {" + name + "}").isTrue();
        }
    }

    private static void collectRefs(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("$ref")) {
                    out.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, out));
        }
    }
}
