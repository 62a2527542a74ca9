package dev.hindsight.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight tail}: follow the global log (Server-Sent Events) and print each event as a JSON line; exits 0 when
 * the server ends the stream. Not thread-safe.
 */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = "Follow the global event log and print each event as a JSON line, until interrupted.")
final class TailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Option(names = "--after", description = "Start after this position (0 = from the beginning); default: now.")
    String after;

    @Option(names = "--event-type", split = ",", description = "Only these event types (comma-separated).")
    List<String> eventTypes;

    @Option(names = "--aggregate-prefix", description = "Only aggregates whose id starts with this.")
    String aggregatePrefix;

    @Override
    public Integer call() throws IOException {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("after", after);
        q.put("event_type", eventTypes == null ? null : String.join(",", eventTypes));
        q.put("aggregate_prefix", aggregatePrefix);
        HttpResponse<InputStream> res = server.api().stream("/api/events/live" + HttpApi.query(q), Map.of());
        try (InputStream body = res.body()) {
            if (res.statusCode() != 200) {
                return Output.error(
                        spec,
                        new HttpApi.Response(
                                res.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8)));
            }
            return follow(body);
        }
    }

    /** Parses the SSE stream: prints {@code event} frames' data to stdout, {@code error} frames' to stderr. */
    private int follow(InputStream body) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        String event = "message";
        StringBuilder data = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    if (event.equals("error")) {
                        err.println(data);
                        err.flush();
                        return 1;
                    }
                    out.println(data);
                    out.flush();
                }
                event = "message";
                data = null;
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                String d = line.substring(line.startsWith("data: ") ? 6 : 5);
                data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
            }
        }
        err.println("hindsight: the server closed the stream");
        err.flush();
        return 0;
    }
}
