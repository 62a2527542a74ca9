package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** Runs the command line in-process, capturing stdout, stderr and the exit code. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hindsight.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Asserts that {@code r} exited with 0 and parses its standard output as one JSON document. */
    static JsonNode json(CliRun r) throws IOException {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    /**
     * The arguments of {@code serve --store kafka} on {@code topic} (3 partitions, replication 1, as the tests' clusters
     * hold them) with its data directory, to follow {@code serve} or a role's options.
     */
    static List<String> kafkaStore(String bootstrap, String topic, Path dataDir) {
        return List.of(
                "--store",
                "kafka",
                "--kafka-bootstrap",
                bootstrap,
                "--kafka-topic",
                topic,
                "--kafka-partitions",
                "3",
                "--kafka-replication",
                "1",
                "--data-dir",
                dataDir.toString());
    }

    /** {@code orders create --user USER --currency EUR --item ITEM --url URL}; returns the new order's id. */
    static String createOrder(String url, String user, String item) throws IOException {
        return json(of("orders", "create", "--user", user, "--currency", "EUR", "--item", item, "--url", url))
                .get("order_id")
                .asText();
    }

    /**
     * {@code requests} bulk appends ({@code POST /api/appends}) of 100 one-event {@code Deposited} aggregates each
     * ({@code acc-R-I}, a ~120-byte note per event), each answered 200: enough bytes to fill small segments.
     */
    static void bulkDeposits(String url, int requests) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (int r = 0; r < requests; r++) {
                StringBuilder b = new StringBuilder("{\"appends\":[");
                for (int i = 0; i < 100; i++) {
                    b.append(i == 0 ? "" : ",")
                            .append("{\"aggregate_id\":\"acc-")
                            .append(r)
                            .append('-')
                            .append(i)
                            .append("\",\"events\":{\"event_type\":\"Deposited\",\"event_data\":{\"amount\":")
                            .append(i)
                            .append(",\"note\":\"")
                            .append("monthly salary ".repeat(8))
                            .append("\"}}}");
                }
                postAppends(http, url, b.append("]}").toString());
            }
        }
    }

    /** {@code POST /api/appends} with {@code body}, asserting the answer is 200 (each entry's own result inside). */
    static void postAppends(HttpClient http, String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> resp = http.send(
                HttpRequest.newBuilder(URI.create(url + "/api/appends"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    }
}
