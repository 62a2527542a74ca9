package dev.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight read}: an aggregate's events, one JSON object per line; all of them (paging 1,000 at a time) unless
 * {@code --limit}. Not thread-safe.
 */
@Command(
        name = "read",
        mixinStandardHelpOptions = true,
        description = "Print an aggregate's events as JSON lines (all of them, unless --limit).")
final class ReadCommand implements Callable<Integer> {
    private static final int PAGE = 1_000;

    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Parameters(index = "0", paramLabel = "AGGREGATE", description = "Aggregate id.")
    String aggregate;

    @Option(names = "--as-of", description = "Only events whose metadata.timestamp <= this ISO-8601 instant.")
    String asOf;

    @Option(names = "--from-version", description = "First version (forward) or highest version (--backward).")
    Long fromVersion;

    @Option(names = "--limit", description = "At most this many events (1-10000); default: all.")
    Integer limit;

    @Option(names = "--backward", description = "Newest first.")
    boolean backward;

    @Override
    public Integer call() {
        if (asOf != null) {
            try {
                Instant.parse(asOf);
            } catch (DateTimeParseException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "Invalid --as-of '" + asOf + "': expected an ISO-8601 instant like 2024-05-01T12:00:00Z");
            }
        }
        if (limit != null && (limit < 1 || limit > 10_000)) {
            throw new ParameterException(spec.commandLine(), "--limit must be between 1 and 10000");
        }
        if (fromVersion != null && fromVersion < 1) {
            throw new ParameterException(spec.commandLine(), "--from-version must be >= 1");
        }
        HttpApi api = server.api();
        PrintWriter out = spec.commandLine().getOut();
        Long from = fromVersion;
        int remaining = limit == null ? Integer.MAX_VALUE : limit;
        while (remaining > 0) {
            int page = Math.min(remaining, PAGE);
            HttpApi.Response r = api.get(HttpApi.aggregatePath(aggregate) + HttpApi.query(query(from, page)));
            if (!r.ok()) {
                return Output.error(spec, r);
            }
            JsonNode events = JsonLines.parseResponse(r.body()).path("events");
            long last = 0;
            for (JsonNode e : events) {
                out.println(Json.write(e));
                last = e.path("version").asLong();
            }
            out.flush();
            remaining -= events.size();
            if (events.size() < page || (backward && last <= 1)) {
                break;
            }
            from = backward ? last - 1 : last + 1;
        }
        return 0;
    }

    private Map<String, Object> query(Long from, int page) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("from_version", from);
        q.put("limit", page);
        q.put("direction", backward ? "backward" : null);
        q.put("as_of", asOf);
        return q;
    }
}
