package dev.hindsight.cli;

import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s tracing options (ADR 0018): with an OTLP endpoint, an OpenTelemetry SDK exporting spans over
 * OTLP/HTTP (protobuf) is installed as {@link Tracing#global()}, which every store of the process uses; without one,
 * tracing stays off. Not thread-safe: {@link #install} runs once at start.
 */
final class TracingOptions {
    private static final Logger LOG = LoggerFactory.getLogger(TracingOptions.class);
    static final String ENV = "OTEL_EXPORTER_OTLP_ENDPOINT";

    @Option(
            names = "--otlp-endpoint",
            paramLabel = "URL",
            description = "Send OpenTelemetry traces (HTTP requests, appends, loads, projection batches) over OTLP/HTTP"
                    + " to this collector, e.g. http://localhost:4318 (spans go to URL/v1/traces). Default: the"
                    + " OTEL_EXPORTER_OTLP_ENDPOINT environment variable; neither: tracing is off.")
    @Nullable
    URI endpoint;

    private volatile @Nullable OpenTelemetrySdk sdk;

    /** The endpoint to export to: the option, else the environment variable, else none. */
    static @Nullable URI endpoint(@Nullable URI option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String v = env.get(ENV);
        return v == null || v.isBlank() ? null : URI.create(v.strip());
    }

    /** Installs the exporter if an endpoint is configured; idempotent. */
    void install() {
        URI base = endpoint(endpoint, System.getenv());
        if (base == null || sdk != null) {
            return;
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new CliException("--otlp-endpoint must be an http:// or https:// URL, was " + base, 2);
        }
        String traces = base.toString().replaceAll("/+$", "") + "/v1/traces";
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "hindsight"))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(traces)
                                .build())
                        .build())
                .build();
        OpenTelemetrySdk otel =
                OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        sdk = otel;
        Tracing.installGlobal(otel);
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "hindsight-tracing-flush"));
        LOG.info("tracing on: spans go to {}", traces);
    }

    /** Flushes and stops the exporter and turns tracing off; idempotent. */
    void close() {
        OpenTelemetrySdk s = sdk;
        if (s == null) {
            return;
        }
        sdk = null;
        Tracing.installGlobal(null);
        s.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    }
}
