package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hindsight.core.tracing.Tracing;
import dev.hindsight.server.HindsightServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code serve --otlp-endpoint}: spans reach an OTLP/HTTP collector; without an endpoint tracing is off. */
class TracingCliTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final List<byte[]> exported = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private HttpServer collector;
    private ServeCommand serve;
    private HindsightServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (serve != null) {
            serve.tracing.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
    }

    /** A fake OTLP/HTTP collector: keeps every body POSTed to /v1/traces. */
    private URI startCollector() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", ex -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ex.getRequestBody().transferTo(body);
            exported.add(body.toByteArray());
            contentTypes.add(String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        return URI.create("http://127.0.0.1:" + collector.getAddress().getPort());
    }

    private HindsightServer serve(String... args) {
        serve = Hindsight.commandLine()
                .parseArgs(args)
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        server = serve.start();
        return server;
    }

    @Test
    void endpoint_optionBeatsEnvironment_blankIsOff() {
        URI option = URI.create("http://collector:4318");
        assertThat(TracingOptions.endpoint(option, Map.of(TracingOptions.ENV, "http://env:4318")))
                .isEqualTo(option);
        assertThat(TracingOptions.endpoint(null, Map.of(TracingOptions.ENV, " http://env:4318 ")))
                .isEqualTo(URI.create("http://env:4318"));
        assertThat(TracingOptions.endpoint(null, Map.of(TracingOptions.ENV, " ")))
                .isNull();
        assertThat(TracingOptions.endpoint(null, Map.of())).isNull();
    }

    @Test
    void serve_withOtlpEndpoint_exportsTheSpansOfAnHttpAppend() throws Exception {
        URI endpoint = startCollector();
        serve("serve", "--store", "memory", "--port", "0", "--otlp-endpoint", endpoint + "/");
        assertThat(Tracing.global().enabled()).isTrue();

        HttpResponse<String> r;
        try (HttpClient http = HttpClient.newHttpClient()) {
            r = http.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + server.port() + "/api/aggregates/a-1/events"))
                            .header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"event_type\":\"T\",\"event_data\":{}}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("traceparent").orElseThrow()).startsWith("00-" + TRACE_ID + "-");
        server.stop();
        serve.tracing.close(); // flushes the batch processor: the export has completed when it returns

        assertThat(exported).isNotEmpty();
        byte[] all = concat(exported);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertThat(contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
        assertThat(text).contains("http.request", "eventstore.append", "hindsight.aggregate_id", "hindsight");
        assertThat(text).contains(new String(HexFormat.of().parseHex(TRACE_ID), StandardCharsets.ISO_8859_1));
        assertThat(Tracing.global().enabled()).isFalse();
    }

    @Test
    void serve_withoutEndpoint_tracingStaysOff() {
        serve("serve", "--store", "memory", "--port", "0");
        assertThat(Tracing.global().enabled()).isFalse();
        assertThat(server.store().tracing().enabled()).isFalse();
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
