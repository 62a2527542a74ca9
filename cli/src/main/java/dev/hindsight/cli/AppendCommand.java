package dev.hindsight.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hindsight append}: append one event to an aggregate over HTTP; prints the answer. Not thread-safe. */
@Command(
        name = "append",
        mixinStandardHelpOptions = true,
        description = "Append one event to an aggregate of a running server.")
final class AppendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Parameters(index = "0", paramLabel = "AGGREGATE", description = "Aggregate id.")
    String aggregate;

    @Option(
            names = {"--type", "-t"},
            required = true,
            description = "Event type, e.g. OrderPlaced.")
    String type;

    @Option(
            names = {"--data", "-d"},
            required = true,
            description = "Event data: a JSON object.")
    String data;

    @Option(names = "--metadata", description = "Metadata: a JSON object (user_id, correlation_id, timestamp, ...).")
    String metadata;

    @Option(names = "--event-id", description = "Event id (UUID) for idempotent retries; default: generated.")
    UUID eventId;

    @Option(names = "--schema-version", description = "Payload schema version (default: 1).")
    Integer schemaVersion;

    @Option(names = "--expected-version", description = "any, no_stream, exists or a version number (default: any).")
    String expectedVersion;

    @Override
    public Integer call() throws IOException {
        requireObject(data, "--data");
        if (metadata != null) {
            requireObject(metadata, "--metadata");
        }
        if (expectedVersion != null) {
            try {
                ExpectedVersion.parse(expectedVersion);
            } catch (InvalidRequestException e) {
                throw new ParameterException(spec.commandLine(), "Invalid --expected-version: " + e.getMessage());
            }
        }
        HttpApi.Response r = server.api()
                .post(
                        HttpApi.aggregatePath(aggregate),
                        body(),
                        expectedVersion == null ? Map.of() : Map.of("Expected-Version", expectedVersion.trim()));
        return Output.answer(spec, r);
    }

    private void requireObject(String json, String option) {
        JsonNode n = JsonLines.parseOrNull(json);
        if (n == null || !n.isObject()) {
            throw new ParameterException(
                    spec.commandLine(),
                    option + " must be a JSON object, e.g. '{\"total\": 42}'"
                            + (n == null ? " (not valid JSON: " + JsonLines.abbreviate(json) + ")" : ""));
        }
    }

    /** The request body; data and metadata are passed through as written. */
    private String body() throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(w)) {
            g.writeStartObject();
            if (eventId != null) {
                g.writeStringField("event_id", eventId.toString());
            }
            g.writeStringField("event_type", type);
            if (schemaVersion != null) {
                g.writeNumberField("schema_version", schemaVersion);
            }
            g.writeFieldName("event_data");
            g.writeRawValue(data);
            if (metadata != null) {
                g.writeFieldName("metadata");
                g.writeRawValue(metadata);
            }
            g.writeEndObject();
        }
        return w.toString();
    }
}
