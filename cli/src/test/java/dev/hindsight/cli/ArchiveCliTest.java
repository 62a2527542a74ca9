package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage lifecycle through the product surface: {@code serve --segment-size --archive-url --archive-after},
 * {@code GET /api/storage} tiers, {@code archive status|run|restore}, and bad options. The archive is a directory
 * ({@code file://}) here; the S3 path is covered against s3proxy in the engine's ArchiveIT (s3proxy's Jetty 11 cannot
 * share a class path with the server's Jetty 12).
 */
class ArchiveCliTest {
    @TempDir
    Path tmp;

    private static HindsightServer startServe(String... args) {
        return ServeRun.start(args);
    }

    @Test
    void serveArchivesSealedSegments_andArchiveCommandsReportAndRestore() throws Exception {
        Path data = tmp.resolve("data");
        String archiveUrl = tmp.resolve("archive").toUri().toString();
        HindsightServer server = startServe(
                "serve",
                "--port",
                "0",
                "--data-dir",
                data.toString(),
                "--segment-size",
                "64KiB",
                "--archive-url",
                archiveUrl,
                "--archive-after",
                "0s",
                "--archive-cache",
                "8MiB");
        JsonNode storage;
        try {
            String url = "http://127.0.0.1:" + server.port();
            CliRun.bulkDeposits(url, 20);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(200);
                storage = HttpGet.json(url + "/api/storage");
                // the tiers change as each segment moves; the run is reported once it has finished
            } while ((storage.path("tiers").path("archived").path("events").asLong() == 0
                            || !storage.path("last_archive_run").isObject())
                    && System.nanoTime() < deadline);
        } finally {
            server.stop();
        }
        JsonNode tiers = storage.path("tiers");
        assertThat(tiers.path("archived").path("events").asLong())
                .as(storage.toString())
                .isPositive();
        assertThat(tiers.path("hot").path("events").asLong()
                        + tiers.path("archived").path("events").asLong())
                .isEqualTo(2000);
        assertThat(storage.path("compression").path("ratio").asDouble()).isGreaterThan(2);
        assertThat(storage.path("last_archive_run").path("error").isNull())
                .as(storage.toString())
                .isTrue();

        CliRun status = CliRun.of("archive", "status", "--data-dir", data.toString(), "--archive-url", archiveUrl);
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("archived segments").contains("archive:");

        CliRun run = CliRun.of(
                "archive", "run", "--data-dir", data.toString(), "--archive-url", archiveUrl, "--archive-after", "0s");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("archived").contains("compression");

        Path restored = tmp.resolve("restored");
        CliRun restore =
                CliRun.of("archive", "restore", "--data-dir", restored.toString(), "--archive-url", archiveUrl);
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("restored");
        CliRun again = CliRun.of("archive", "restore", "--data-dir", restored.toString(), "--archive-url", archiveUrl);
        assertThat(again.exitCode()).isNotZero();
        assertThat(again.err()).contains("already holds a log");
    }

    @Test
    void badLifecycleOptions_clearErrors() {
        CliRun size = CliRun.of("archive", "status", "--segment-size", "12", "--data-dir", tmp.toString());
        assertThat(size.exitCode()).isNotZero();
        assertThat(size.err()).contains("64KiB");

        CliRun url = CliRun.of("archive", "run", "--data-dir", tmp.toString(), "--archive-url", "ftp://x/y");
        assertThat(url.exitCode()).isNotZero();

        CliRun after =
                CliRun.of("archive", "restore", "--data-dir", tmp.resolve("r").toString(), "--archive-after", "1d");
        assertThat(after.exitCode()).isNotZero();
        assertThat(after.err()).contains("--archive-url");

        CliRun age = CliRun.of("archive", "run", "--archive-after", "soon");
        assertThat(age.exitCode()).isNotZero();
        assertThat(age.err()).contains("30d");

        CliRun cache = CliRun.of("archive", "status", "--data-dir", tmp.toString(), "--archive-cache", "lots");
        assertThat(cache.exitCode()).isNotZero();
        assertThat(cache.err()).contains("expected a size like 0, 512MiB or 4GiB");

        CliRun cacheAlone = CliRun.of("serve", "--port", "0", "--data-dir", tmp.toString(), "--archive-cache", "1GiB");
        assertThat(cacheAlone.exitCode()).isNotZero();
        assertThat(cacheAlone.err()).contains("need --archive-url");

        CliRun pg = CliRun.of("serve", "--store", "memory", "--segment-size", "1MiB", "--port", "0");
        assertThat(pg.exitCode()).isNotZero();
        assertThat(pg.err()).contains("file engine");
    }
}
