package dev.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight export}: the global log as JSON Lines on stdout, one event per line with every field
 * ({@code event_id, aggregate_id, event_type, schema_version, event_data, metadata, version, position, recorded_at}),
 * in commit order, from {@code --after} up to the head as it was when the export started. Streams page by page
 * (constant memory); numbers are copied exactly. Not thread-safe.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Write the global event log as JSON Lines to stdout (e.g. `hindsight export > events.jsonl`).")
final class ExportCommand implements Callable<Integer> {
    static final int PAGE = 1_000;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Option(
            names = "--after",
            defaultValue = "0",
            description = "Only events after this position (default: 0, everything).")
    String after;

    @Option(names = "--progress", description = "Show progress on stderr even when it is not a terminal.")
    boolean progress;

    @Override
    public Integer call() {
        Position from;
        try {
            from = Position.parse(after);
        } catch (InvalidRequestException e) {
            throw new ParameterException(spec.commandLine(), "Invalid --after '" + after + "': " + e.getMessage());
        }
        HttpApi api = server.api();
        HttpApi.Response health = api.get("/health");
        if (!health.ok()) {
            return Output.error(spec, health);
        }
        Position head = Position.parse(
                JsonLines.parseResponse(health.body()).path("head").asText());
        PrintWriter out = spec.commandLine().getOut();
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "export", "events", progress);
        long total = span(from, head);
        long written = 0;
        Position cursor = from;
        while (!cursor.covers(head)) {
            HttpApi.Response r = api.get("/api/events"
                    + HttpApi.query(java.util.Map.of("after", cursor.toString(), "limit", PAGE, "encrypted", true)));
            if (!r.ok()) {
                out.flush();
                return Output.error(spec, r);
            }
            JsonNode page = JsonLines.parseResponse(r.body());
            for (JsonNode e : page.path("events")) {
                if (!head.covers(Position.parse(e.path("position").asText()))) {
                    break;
                }
                out.println(Json.write(e));
                written++;
            }
            out.flush();
            Position next = Position.parse(page.path("next").asText());
            // an empty page whose next moved is not the end: the server skipped positions (deleted by retention,
            // hidden from this token); only a page that does not move the cursor is
            if (next.equals(cursor)) {
                break;
            }
            cursor = next;
            bar.update(total > 0 ? (double) written / total : -1, written);
        }
        bar.finish(total > 0 ? (double) written / total : -1, written);
        return 0;
    }

    /** Events between two sequence positions; -1 when the store's positions are not a sequence. */
    private static long span(Position from, Position head) {
        if (from instanceof Position.Sequence f && head instanceof Position.Sequence h) {
            return Math.max(0, h.value() - f.value());
        }
        return -1;
    }
}
