package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.server.HindsightServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve} (started in-process on a free port) + {@code append} + {@code read}. */
class RoundTripTest {
    private HindsightServer server;
    private String url;

    @BeforeEach
    void serve() {
        server = startServe("serve", "--port", "0", "--store", "memory");
        url = urlOf(server);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void appendThenRead_printsEventsAsJsonLines() throws IOException {
        CliRun a1 = CliRun.of(
                "append",
                "order 1",
                "--type",
                "OrderPlaced",
                "--data",
                "{\"total\": 42.10}",
                "--metadata",
                "{\"user_id\":\"u1\",\"timestamp\":\"2024-05-01T10:00:00Z\"}",
                "--expected-version",
                "no_stream",
                "--url",
                url);
        CliRun a2 = CliRun.of(
                "append",
                "order 1",
                "-t",
                "OrderPaid",
                "-d",
                "{}",
                "--expected-version",
                "1",
                "--metadata",
                "{\"timestamp\":\"2024-05-02T10:00:00Z\"}",
                "--url",
                url);

        assertThat(a1.exitCode()).as(a1.err()).isZero();
        assertThat(Json.mapper().readTree(a1.out()).get("last_version").asLong())
                .isEqualTo(1);
        assertThat(a2.exitCode()).as(a2.err()).isZero();

        CliRun read = CliRun.of("read", "order 1", "--url", url);
        List<String> lines = read.out().lines().toList();
        assertThat(read.exitCode()).as(read.err()).isZero();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.mapper().readTree(lines.get(0));
        assertThat(first.get("aggregate_id").asText()).isEqualTo("order 1");
        assertThat(first.get("event_type").asText()).isEqualTo("OrderPlaced");
        assertThat(first.get("event_data").get("total").decimalValue()).isEqualByComparingTo("42.1");
        assertThat(first.get("metadata").get("user_id").asText()).isEqualTo("u1");

        CliRun asOf = CliRun.of("read", "order 1", "--as-of", "2024-05-01T12:00:00Z", "--url", url);
        assertThat(asOf.out().lines().toList()).hasSize(1);
        CliRun back = CliRun.of("read", "order 1", "--backward", "--limit", "1", "--url", url);
        assertThat(Json.mapper().readTree(back.out()).get("version").asLong()).isEqualTo(2);
    }

    @Test
    void read_pagesThroughMoreThanOnePage() {
        server.store()
                .append(
                        "big",
                        ExpectedVersion.ANY,
                        IntStream.range(0, 1_500)
                                .mapToObj(i -> EventData.of("E", "{\"i\":" + i + "}"))
                                .toList());

        CliRun fwd = CliRun.of("read", "big", "--url", url);
        CliRun back = CliRun.of("read", "big", "--backward", "--url", url);

        assertThat(fwd.out().lines().count()).isEqualTo(1_500);
        assertThat(back.out().lines().count()).isEqualTo(1_500);
        assertThat(back.out().lines().findFirst().orElseThrow()).contains("\"version\":1500");
    }

    @Test
    void append_conflict_exit1WithServerErrorJson() throws IOException {
        CliRun.of("append", "a", "-t", "E", "-d", "{}", "--url", url);

        CliRun r = CliRun.of("append", "a", "-t", "E", "-d", "{}", "--expected-version", "no_stream", "--url", url);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(Json.mapper().readTree(r.err()).get("error").asText()).isEqualTo("wrong_expected_version");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void read_unknownAggregate_exit1NotFound() throws IOException {
        CliRun r = CliRun.of("read", "nobody", "--url", url);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(Json.mapper().readTree(r.err()).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void serve_fileStore_persistsAcrossRestart(@TempDir Path dir) throws IOException {
        String[] args = {"serve", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never"};
        HindsightServer file = startServe(args);
        try {
            CliRun a = CliRun.of("append", "x", "-t", "E", "-d", "{\"k\":1}", "--url", urlOf(file));
            assertThat(a.exitCode()).as(a.err()).isZero();
        } finally {
            file.stop();
        }
        HindsightServer again = startServe(args);
        try {
            CliRun read = CliRun.of("read", "x", "--url", urlOf(again));
            assertThat(read.exitCode()).as(read.err()).isZero();
            assertThat(Json.mapper()
                            .readTree(read.out())
                            .get("event_data")
                            .get("k")
                            .asInt())
                    .isEqualTo(1);
        } finally {
            again.stop();
        }
    }

    @Test
    void serve_dataDirInUse_failsWithClearMessage(@TempDir Path dir) {
        HindsightServer first = startServe("serve", "--port", "0", "--data-dir", dir.toString());
        try {
            CliRun second = CliRun.of("serve", "--port", "0", "--data-dir", dir.toString());

            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("cannot open the store in " + dir);
        } finally {
            first.stop();
        }
    }

    private static HindsightServer startServe(String... args) {
        return ServeRun.start(args);
    }

    private static String urlOf(HindsightServer s) {
        return "http://127.0.0.1:" + s.port();
    }

    @Test
    void tail_printsEventsFromTheStream() throws Exception {
        CliRun.of("append", "a", "-t", "First", "-d", "{}", "--url", url);
        CliRun.of("append", "b", "-t", "Second", "-d", "{}", "--url", url);
        StringWriter out = new StringWriter();
        CommandLine cl = Hindsight.commandLine();
        cl.setOut(new PrintWriter(out, true));
        TailCommand tail = cl.parseArgs("tail", "--after", "0", "--url", url)
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        // The server's graceful stop ends the stream, and tail exits 0 after printing what it got.
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.stop();
        });
        int code = tail.call();
        t.join();

        List<String> lines = out.toString().lines().toList();
        assertThat(code).isZero();
        assertThat(lines).hasSize(2);
        assertThat(Json.mapper().readTree(lines.get(0)).get("event_type").asText())
                .isEqualTo("First");
        assertThat(Json.mapper().readTree(lines.get(1)).get("event_type").asText())
                .isEqualTo("Second");
    }
}
