package dev.hindsight.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import dev.hindsight.server.HindsightServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code http.request} and {@code eventstore.append} spans of a real server, with W3C trace context in and out. */
class HttpTracingTest {
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN = "00f067aa0ba902b7";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    private final HttpClient http = HttpClient.newHttpClient();
    private HindsightServer server;

    private HindsightServer start(Tracing tracing) {
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).tracing(tracing).build();
        server =
                HindsightServer.builder(store).host("127.0.0.1").port(0).build().start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        http.close();
        provider.close();
    }

    private HttpResponse<String> append(String aggregate, String body, String traceparent)
            throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/aggregates/" + aggregate + "/events"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (traceparent != null) {
            r.header("traceparent", traceparent);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<SpanData> spans(int atLeast) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> exporter.getFinishedSpanItems().size() >= atLeast);
        return exporter.getFinishedSpanItems();
    }

    private static SpanData named(List<SpanData> spans, String name) {
        return spans.stream()
                .filter(s -> s.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
    }

    @Test
    void httpAppend_withTraceparent_serverSpanContinuesTraceAndAppendIsItsChild() throws Exception {
        start(Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build()));

        HttpResponse<String> r = append(
                "order-1",
                "{\"event_type\":\"OrderPlaced\",\"event_data\":{},"
                        + "\"metadata\":{\"correlation_id\":\"corr-7\",\"causation_id\":\"cmd-3\"}}",
                "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        List<SpanData> spans = spans(2);
        SpanData request = named(spans, SpanNames.HTTP_REQUEST);
        SpanData append = named(spans, SpanNames.APPEND);
        assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(request.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(request.getParentSpanId()).isEqualTo(PARENT_SPAN);
        assertThat(request.getAttributes().get(SpanNames.HTTP_ROUTE))
                .isEqualTo("/api/aggregates/{aggregate_id}/events");
        assertThat(request.getAttributes().get(SpanNames.HTTP_STATUS)).isEqualTo(201L);
        assertThat(append.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(append.getParentSpanId()).isEqualTo(request.getSpanId());
        assertThat(append.getAttributes().get(SpanNames.AGGREGATE_ID)).isEqualTo("order-1");
        assertThat(append.getAttributes().get(SpanNames.EVENT_COUNT)).isEqualTo(1L);
        assertThat(append.getAttributes().get(SpanNames.LAST_VERSION)).isEqualTo(1L);
        assertThat(append.getAttributes().get(SpanNames.POSITION)).isEqualTo("1");
        assertThat(append.getAttributes().get(SpanNames.CORRELATION_ID)).isEqualTo("corr-7");
        assertThat(append.getAttributes().get(SpanNames.CAUSATION_ID)).isEqualTo("cmd-3");
        assertThat(r.headers().firstValue("traceparent"))
                .hasValue("00-" + TRACE_ID + "-" + request.getSpanId() + "-01");
    }

    @Test
    void httpAppend_withoutTraceparent_startsTraceAndAnswersWithIt() throws Exception {
        start(Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build()));

        HttpResponse<String> r = append("order-2", "{\"event_type\":\"OrderPlaced\",\"event_data\":{}}", null);

        assertThat(r.statusCode()).isEqualTo(201);
        SpanData request = named(spans(2), SpanNames.HTTP_REQUEST);
        assertThat(request.getParentSpanContext().isValid()).isFalse();
        // flags: sampled, and (W3C level 2) a random trace id
        assertThat(r.headers().firstValue("traceparent").orElseThrow())
                .startsWith("00-" + request.getTraceId() + "-" + request.getSpanId() + "-");
    }

    @Test
    void conflictingAppend_spansRecordTheFailure() throws Exception {
        start(Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build()));
        append("order-3", "{\"event_type\":\"A\",\"event_data\":{}}", null);
        exporter.reset();

        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/api/aggregates/order-3/events"))
                        .header("Expected-Version", "no_stream")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"event_type\":\"B\",\"event_data\":{}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(409);
        List<SpanData> spans = spans(2);
        assertThat(named(spans, SpanNames.HTTP_REQUEST).getAttributes().get(SpanNames.HTTP_STATUS))
                .isEqualTo(409L);
        SpanData append = named(spans, SpanNames.APPEND);
        assertThat(append.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(append.getEvents()).anyMatch(e -> e.getName().equals("exception"));
    }

    @Test
    void tracingOff_noSpansAndNoTraceparent() throws Exception {
        start(Tracing.off());

        HttpResponse<String> r = append(
                "order-4",
                "{\"event_type\":\"OrderPlaced\",\"event_data\":{}}",
                "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");

        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("traceparent")).isEmpty();
        provider.forceFlush();
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }
}
