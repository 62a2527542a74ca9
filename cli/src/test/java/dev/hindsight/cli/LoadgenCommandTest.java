package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hindsight loadgen}: a tiny run through the command line, and its usage errors. */
class LoadgenCommandTest {
    @Test
    void tinyRun_printsTheTable_writesTheJson_exit0(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("reports/report.json");
        CliRun r = CliRun.of(
                "loadgen",
                "--data-dir",
                dir.resolve("data").toString(),
                "--fsync",
                "never",
                "--days",
                "1",
                "--orders-per-day",
                "30",
                "--duration",
                "1s",
                "--warmup",
                "0s",
                "--rate",
                "300",
                "--read-rate",
                "30",
                "--quiet",
                "--out",
                out.toString());

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .contains("fill", "measure", "order load GET /api/orders/{id}", "bytes/event", "consistency: ", "OK");
        JsonNode report = Json.mapper().readTree(out.toFile());
        assertThat(report.get("ok").asBoolean()).isTrue();
        assertThat(report.get("options").get("fill_rate").asText()).isEqualTo("max");
        assertThat(report.get("phases")).hasSize(2);
    }

    @Test
    void segmentSize_rollsTheEmbeddedLogSooner(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        CliRun r = CliRun.of(
                "loadgen",
                "--data-dir",
                data.toString(),
                "--fsync",
                "never",
                "--days",
                "1",
                "--orders-per-day",
                "40",
                "--segment-size",
                "64KiB",
                "--quiet");

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        try (var files = java.nio.file.Files.list(data.resolve("segments"))) {
            assertThat(files.count()).isGreaterThan(2); // ~400 events of ~500 bytes in 64 KiB segments
        }
    }

    @Test
    void badUsage_exit2() {
        assertThat(CliRun.of("loadgen", "--segment-size", "1KiB").exitCode()).isEqualTo(2);
        CliRun withUrl = CliRun.of("loadgen", "--url", "http://127.0.0.1:1", "--segment-size", "1MiB");
        assertThat(withUrl.exitCode()).isEqualTo(2);
        assertThat(withUrl.err()).contains("--segment-size is for the embedded store");
        assertThat(CliRun.of("loadgen", "--rate", "fast").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("loadgen", "--rate", "-5").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("loadgen", "--duration", "soon").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("loadgen", "--start", "yesterday").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("loadgen", "--duration", "0s").err()).contains("nothing to do");
        assertThat(CliRun.of("loadgen", "--url", "ftp://x").exitCode()).isEqualTo(2);
    }
}
