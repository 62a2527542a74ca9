package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Route plugins: mounting, error mapping, the merged OpenAPI document, closing on stop. */
class PluginTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

    private static final class Greeter implements ServerPlugin {
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void register(Routes routes) {
            routes.get("/api/greetings/{name}", ctx -> {
                if (ctx.pathParam("name").equals("nobody")) {
                    throw new ApiException(422, "no_one_to_greet", "nobody is there");
                }
                ctx.contentType("application/json").result("{\"hello\":\"" + ctx.pathParam("name") + "\"}");
            });
        }

        @Override
        public String openApi() {
            return """
                    {"paths": {"/api/greetings/{name}": {"get": {"responses": {"200": {"description": "hi"}}}}},
                     "components": {"schemas": {"Greeting": {"type": "object"}}}}""";
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void plugin_routesServedWithServerErrorMapping_andClosedOnStop() {
        Greeter g = new Greeter();
        TestServer t = new TestServer(new InMemoryEventLog(), b -> b.plugin(g));
        try {
            assertThat(t.get("/api/greetings/ann").json().get("hello").asText()).isEqualTo("ann");
            TestServer.Response nobody = t.get("/api/greetings/nobody");
            assertThat(nobody.status()).isEqualTo(422);
            assertThat(nobody.error()).isEqualTo("no_one_to_greet");
            assertThat(nobody.json().get("message").asText()).isEqualTo("nobody is there");
            assertThat(t.server.routes()).contains(new HindsightServer.Route("GET", "/api/greetings/{name}"));
        } finally {
            t.close();
        }
        assertThat(g.closed).isTrue();
    }

    @Test
    void openApi_describesExactlyTheRegisteredRoutes() {
        Greeter g = new Greeter();
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.plugin(g))) {
            JsonNode doc = t.get("/api/openapi.json").json();

            assertThat(doc.get("openapi").asText()).startsWith("3.1");
            assertThat(documented(doc)).isEqualTo(registered(t.server));
            assertThat(doc.at("/components/schemas/Greeting").isObject()).isTrue();
            assertThat(doc.at("/components/schemas/Event").isObject()).isTrue();
        }
    }

    @Test
    void staticFiles_servedFromClasspath_routesWin_unknownPathsStayJson404() {
        ServerPlugin ui = routes -> {
            routes.staticFiles("/", "/dev/hindsight/server/static-test");
            routes.get("/api/greetings/{name}", ctx -> ctx.result("hi " + ctx.pathParam("name")));
        };
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.plugin(ui))) {
            TestServer.Response index = t.get("/");
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.contentType()).startsWith("text/html");
            assertThat(index.body()).contains("static-index-marker");
            assertThat(t.get("/index.html").body()).contains("static-index-marker");
            TestServer.Response js = t.get("/js/app.js");
            assertThat(js.status()).isEqualTo(200);
            assertThat(js.contentType()).contains("javascript");
            assertThat(js.body()).contains("static-js-marker");

            assertThat(t.get("/api/greetings/ann").body()).isEqualTo("hi ann");
            assertThat(t.get("/health").json().get("status").asText()).isEqualTo("ok");
            for (String missing : new String[] {"/nothing.css", "/api/nothing", "/js/nothing.js"}) {
                TestServer.Response r = t.get(missing);
                assertThat(r.status()).as(missing).isEqualTo(404);
                assertThat(r.error()).as(missing).isEqualTo("not_found");
            }
            // Outside the directory: refused (Jetty rejects the ambiguous path), never served.
            for (String escape : new String[] {"/js/../../PluginTest.class", "/%2e%2e/PluginTest.class"}) {
                TestServer.Response r = t.get(escape);
                assertThat(r.status()).as(escape).isBetween(400, 404);
                assertThat(r.contentType()).as(escape).startsWith("application/json");
            }
            assertThat(registered(t.server)).doesNotContain("GET /", "GET /index.html");
        }
    }

    @Test
    void apiException_rejectsNonErrorStatus() {
        assertThatThrownBy(() -> new ApiException(200, "ok", "fine")).isInstanceOf(IllegalArgumentException.class);
    }

    /** {@code "GET /path"} for each operation in the document. */
    static Set<String> documented(JsonNode doc) {
        Set<String> out = new HashSet<>();
        for (Map.Entry<String, JsonNode> p : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : p.getValue().properties()) {
                String m = op.getKey();
                if (HTTP_METHODS.contains(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            }
        }
        return out;
    }

    static Set<String> registered(HindsightServer server) {
        Set<String> out = new HashSet<>();
        server.routes().forEach(r -> out.add(r.method() + " " + r.path()));
        return out;
    }
}
