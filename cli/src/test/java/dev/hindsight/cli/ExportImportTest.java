package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export} and {@code import} between served stores: round trip, idempotent re-import, conflicts, bad input. */
class ExportImportTest {
    @TempDir
    Path dir;

    private final List<HindsightServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(HindsightServer::stop);
    }

    private HindsightServer serve() {
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs("serve", "--port", "0", "--store", "memory")
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        HindsightServer s = serve.start();
        servers.add(s);
        return s;
    }

    private static String metrics(HindsightServer s) throws IOException {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url(s) + "/metrics"))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String url(HindsightServer s) {
        return "http://127.0.0.1:" + s.port();
    }

    /** A source store with orders (through the order API), raw events with exact decimals, and interleaving. */
    private HindsightServer source() {
        HindsightServer a = serve();
        for (int i = 0; i < 3; i++) {
            CliRun created = CliRun.of(
                    "orders",
                    "create",
                    "--user",
                    "ann",
                    "--currency",
                    "USD",
                    "--item",
                    "book:2:19.90",
                    "--url",
                    url(a));
            assertThat(created.exitCode()).as(created.err()).isZero();
            String id = json(created.out()).get("order_id").asText();
            assertThat(CliRun.of("orders", "pay", id, "--payment-id", "p" + i, "--amount", "39.80", "--url", url(a))
                            .exitCode())
                    .isZero();
        }
        for (int i = 0; i < 25; i++) {
            a.store()
                    .append(
                            "acct-" + (i % 4),
                            ExpectedVersion.ANY,
                            new EventData(
                                    null,
                                    "Deposited",
                                    1 + i % 2,
                                    "{\"amount\":150.00,\"big\":12345678901234567890.10,\"note\":\"\\u00e9\\u20ac \\\"q\\\"\"}",
                                    "{\"user_id\":\"u" + i + "\",\"timestamp\":\"2026-01-0" + (1 + i / 10) + "T00:00:0"
                                            + i % 10 + "Z\",\"nested\":{\"k\":[1,2.50]}}"));
        }
        a.store()
                .append(
                        "big",
                        ExpectedVersion.NO_STREAM,
                        java.util.stream.IntStream.range(0, 1_200)
                                .mapToObj(i -> EventData.of("Tick", "{\"i\":" + i + "}"))
                                .toList());
        return a;
    }

    private Path export(HindsightServer s, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("export", "--url", url(s)));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path file = Files.createTempFile(dir, "events", ".jsonl");
        Files.writeString(file, r.out(), StandardCharsets.UTF_8);
        return file;
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(Json.mapper().readTree(l));
        }
        return out;
    }

    private static List<JsonNode> withoutPositionAndRecordedAt(List<JsonNode> events) {
        return events.stream()
                .map(e -> {
                    ObjectNode c = e.deepCopy();
                    c.remove("position");
                    c.remove("recorded_at");
                    return (JsonNode) c;
                })
                .toList();
    }

    private static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void exportImportExport_roundTripIsIdentical_reimportIsANoOp() throws IOException {
        HindsightServer a = source();
        Path first = export(a);
        List<JsonNode> exported = lines(first);
        assertThat(exported).hasSize(6 + 25 + 1_200);
        JsonNode e0 = exported.getFirst();
        assertThat(e0.fieldNames())
                .toIterable()
                .containsExactly(
                        "event_id",
                        "aggregate_id",
                        "event_type",
                        "schema_version",
                        "event_data",
                        "metadata",
                        "version",
                        "position",
                        "recorded_at");
        assertThat(Files.readString(first)).contains("\"amount\":150.00", "12345678901234567890.10");

        HindsightServer b = serve();
        CliRun imported = CliRun.of("import", first.toString(), "--url", url(b));
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.err()).contains("1,231 events imported, 0 already present");
        // interleaved aggregates go in bulk requests, not one request per event
        String metrics = metrics(b);
        assertThat(metrics)
                .containsPattern("hindsight_http_requests_total\\{[^}]*route=\"/api/appends\"[^}]*\\} [12]\\.0");
        assertThat(metrics).doesNotContain("method=\"POST\",route=\"/api/aggregates/{aggregate_id}/events\"");

        List<JsonNode> again = lines(export(b));
        assertThat(withoutPositionAndRecordedAt(again)).isEqualTo(withoutPositionAndRecordedAt(exported));
        // the order API sees the imported orders as they were
        String orderId = exported.getFirst().get("aggregate_id").asText();
        JsonNode order =
                json(CliRun.of("orders", "get", orderId, "--url", url(b)).out());
        assertThat(order.get("status").asText()).isEqualTo("paid");
        assertThat(order.get("total_amount").decimalValue()).isEqualByComparingTo("39.80");

        CliRun twice = CliRun.of("import", first.toString(), "--url", url(b));
        assertThat(twice.exitCode()).as(twice.err()).isZero();
        assertThat(twice.err()).contains("0 events imported, 1,231 already present");
        assertThat(lines(export(b))).hasSize(exported.size());
    }

    @Test
    void import_laterFullExportIntoTheEarlierImport_addsOnlyTheNewEvents() throws IOException {
        laterFullExportIntoTheEarlierImport(serve());
    }

    @Test
    void import_laterFullExportIntoTheEarlierImport_postgres_addsOnlyTheNewEvents() throws Exception {
        String schema = "t_import_" + java.util.UUID.randomUUID().toString().substring(0, 8);
        try {
            HindsightServer b = PgTestDb.serve(schema);
            servers.add(b);
            laterFullExportIntoTheEarlierImport(b);
        } finally {
            servers.forEach(HindsightServer::stop);
            servers.clear();
            PgTestDb.dropStoreSchemas(schema);
        }
    }

    private void laterFullExportIntoTheEarlierImport(HindsightServer b) throws IOException {
        HindsightServer a = serve();
        for (int i = 0; i < 3; i++) {
            a.store().append("acct", ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
        }
        CliRun first = CliRun.of("import", export(a).toString(), "--url", url(b));
        assertThat(first.exitCode()).as(first.err()).isZero();
        for (int i = 3; i < 5; i++) {
            a.store().append("acct", ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
        }

        Path all = export(a); // acct v1-v5 in one batch, v1-v3 stored in b already
        CliRun second = CliRun.of("import", all.toString(), "--url", url(b));

        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.err()).contains("2 events imported, 3 already present");
        assertThat(withoutPositionAndRecordedAt(lines(export(b)))).isEqualTo(withoutPositionAndRecordedAt(lines(all)));
    }

    @Test
    void import_partlyStoredBatchFollowedByNewOnes_importsTheNewOnesToo() throws IOException {
        HindsightServer a = serve();
        for (int i = 0; i < 3; i++) {
            a.store().append("acct", ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
        }
        HindsightServer b = serve();
        CliRun first = CliRun.of("import", export(a).toString(), "--url", url(b));
        assertThat(first.exitCode()).as(first.err()).isZero();
        for (int i = 3; i < 5; i++) {
            a.store().append("acct", ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
        }
        a.store().append("other", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));
        a.store().append("third", ExpectedVersion.NO_STREAM, EventData.of("Opened", "{}"));

        // one ordered bulk request: acct v1-v5 (v1-v3 stored already), then other and third
        Path all = export(a);
        CliRun second = CliRun.of("import", all.toString(), "--url", url(b));

        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.err()).contains("4 events imported, 3 already present");
        assertThat(withoutPositionAndRecordedAt(lines(export(b)))).isEqualTo(withoutPositionAndRecordedAt(lines(all)));
    }

    @Test
    void import_skipsSystemAggregates_andSaysSo() throws IOException {
        HindsightServer a = source();
        Path first = export(a);
        List<String> text = new ArrayList<>(Files.readAllLines(first));
        ObjectNode audit = (ObjectNode) Json.mapper().readTree(text.getFirst());
        audit.put("aggregate_id", "$audit").put("event_id", UUID.randomUUID().toString());
        text.add(3, Json.mapper().writeValueAsString(audit));
        Path withAudit = dir.resolve("with-audit.jsonl");
        Files.write(withAudit, text);

        HindsightServer b = serve();
        CliRun imported = CliRun.of("import", withAudit.toString(), "--url", url(b));

        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.err())
                .contains("1,231 events imported")
                .contains("skipped 1 events of system aggregates ($audit)");
        assertThat(lines(export(b)))
                .noneMatch(e -> e.get("aggregate_id").asText().equals("$audit"));
    }

    @Test
    void importParallel_everyAggregateIdenticalAndInOrder_reimportIsANoOp() throws IOException {
        HindsightServer a = source();
        Path first = export(a);
        List<JsonNode> exported = withoutPositionAndRecordedAt(lines(first));
        HindsightServer b = serve();

        CliRun imported = CliRun.of("import", first.toString(), "--parallel", "8", "--url", url(b));

        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.err()).contains("1,231 events imported, 0 already present");
        List<JsonNode> again = withoutPositionAndRecordedAt(lines(export(b)));
        assertThat(again).containsExactlyInAnyOrderElementsOf(exported);
        assertThat(byAggregate(again)).isEqualTo(byAggregate(exported));
        CliRun twice = CliRun.of("import", first.toString(), "--parallel", "8", "--url", url(b));
        assertThat(twice.err()).contains("0 events imported, 1,231 already present");
        assertThat(CliRun.of("import", first.toString(), "--parallel", "0", "--url", url(b))
                        .err())
                .contains("--parallel must be between 1 and 256");
    }

    @Test
    void importParallel_intoAConflictingStore_exit1NamingTheLine() throws IOException {
        HindsightServer a = source();
        Path file = export(a);
        HindsightServer c = serve();
        c.store().append("acct-2", ExpectedVersion.NO_STREAM, EventData.of("Other", "{}"));

        CliRun r = CliRun.of("import", file.toString(), "--parallel", "4", "--url", url(c));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err())
                .contains(
                        "line " + lineOf(file, "acct-2", 1) + ": conflict", "'acct-2' at version 1", "import stopped");
        assertThat(c.store().read("acct-2").version()).isEqualTo(1);
    }

    /** Each aggregate's events, in their order. */
    private static java.util.Map<String, List<JsonNode>> byAggregate(List<JsonNode> events) {
        java.util.Map<String, List<JsonNode>> out = new java.util.TreeMap<>();
        events.forEach(e -> out.computeIfAbsent(e.get("aggregate_id").asText(), k -> new ArrayList<>())
                .add(e));
        return out;
    }

    @Test
    void export_after_onlyLaterEvents_andProgressWhenAskedFor() throws IOException {
        HindsightServer a = source();
        CliRun r = CliRun.of("export", "--after", "1225", "--progress", "--url", url(a));

        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(json(lines.getFirst()).get("position").asText()).isEqualTo("1226");
        assertThat(r.err()).contains("export", "6 events");
        assertThat(CliRun.of("export", "--after", "soon", "--url", url(a)).exitCode())
                .isEqualTo(2);
    }

    @Test
    void import_intoAConflictingStore_exit1NamingTheLine() throws IOException {
        HindsightServer a = source();
        Path file = export(a);
        HindsightServer c = serve();
        c.store().append("acct-2", ExpectedVersion.NO_STREAM, EventData.of("Other", "{}"));

        CliRun r = CliRun.of("import", file.toString(), "--url", url(c));

        assertThat(r.exitCode()).isEqualTo(1);
        int line = lineOf(file, "acct-2", 1);
        assertThat(r.err()).contains("line " + line + ": conflict", "'acct-2' at version 1");
    }

    @Test
    void importParallel_malformedLine_everyBatchBeforeItIsImported() throws IOException {
        Path file = dir.resolve("bad-parallel.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) { // one whole batch per line, read far faster than the lanes send them
            lines.add("{\"event_id\":\"" + UUID.randomUUID() + "\",\"aggregate_id\":\"p-" + i
                    + "\",\"event_type\":\"E\",\"event_data\":{},\"version\":1}");
        }
        lines.add("{\"event_id\": oops");
        Files.write(file, lines);
        HindsightServer b = serve();

        CliRun r = CliRun.of("import", file.toString(), "--parallel", "2", "--url", url(b));

        assertThat(r.exitCode()).isEqualTo(1);
        // as with one lane: all but the batch the bad line interrupted (it might have continued it)
        assertThat(r.err())
                .contains(
                        "line 3001: not valid JSON",
                        "'p-2999' before it (from line 3000) were not imported",
                        "2,999 events imported");
        assertThat(lines(export(b))).hasSize(2_999);
    }

    @Test
    void import_malformedLine_exit1NamingIt_batchBeforeItNotImported() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        List<String> good = new ArrayList<>();
        for (int v = 1; v <= 3; v++) {
            good.add("{\"event_id\":\"" + UUID.randomUUID() + "\",\"aggregate_id\":\"x\",\"event_type\":\"E\","
                    + "\"event_data\":{\"v\":" + v + "},\"version\":" + v + "}");
        }
        String y = "{\"event_id\":\"" + UUID.randomUUID() + "\",\"aggregate_id\":\"y\",\"event_type\":\"E\","
                + "\"event_data\":{},\"version\":1}";
        Files.write(file, List.of(good.get(0), y, good.get(1), good.get(2), "{\"event_id\": oops", y));
        HindsightServer b = serve();

        CliRun r = CliRun.of("import", file.toString(), "--url", url(b));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("line 5: not valid JSON", "line 3) were not imported");
        // lines 1 and 2 were whole batches and went in; lines 3-4 (x v2-v3) waited for line 5 and did not
        assertThat(b.store().read("x").version()).isEqualTo(1);
        assertThat(b.store().read("y").version()).isEqualTo(1);

        Files.write(file, List.of("{\"event_id\":\"" + UUID.randomUUID() + "\",\"aggregate_id\":\"z\"}"));
        CliRun missing = CliRun.of("import", file.toString(), "--url", url(b));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("line 1: event_type is required");
        assertThat(CliRun.of("import", dir.resolve("nope.jsonl").toString(), "--url", url(b))
                        .err())
                .contains("no such file");
    }

    private static int lineOf(Path file, String aggregate, long version) throws IOException {
        List<JsonNode> all = lines(file);
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).get("aggregate_id").asText().equals(aggregate)
                    && all.get(i).get("version").asLong() == version) {
                return i + 1;
            }
        }
        throw new AssertionError("no " + aggregate + " v" + version);
    }
}
