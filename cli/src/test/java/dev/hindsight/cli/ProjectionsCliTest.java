package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code projections status|rebuild|verify} against a served store. */
class ProjectionsCliTest {
    @Test
    void statusRebuildVerify_overHttp_andUnknownProjectionExitsOne(@TempDir Path dir) throws Exception {
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs("serve", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never")
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        HindsightServer server = serve.start();
        String url = "http://127.0.0.1:" + server.port();
        try {
            for (int i = 0; i < 5; i++) {
                assertThat(CliRun.of("orders", "create", "--user", "ann", "--item", "book:1:5.00", "--url", url)
                                .exitCode())
                        .isZero();
            }
            JsonNode status = json(CliRun.of("projections", "status", "--url", url));
            assertThat(status.get("projections").get(0).get("name").asText()).isEqualTo("orders");
            CliRun rebuild = CliRun.of("projections", "rebuild", "orders", "--url", url);
            assertThat(rebuild.exitCode()).as(rebuild.err()).isZero();
            long deadline = System.nanoTime() + 20_000_000_000L;
            JsonNode one;
            do {
                Thread.sleep(50);
                one = json(CliRun.of("projections", "status", "orders", "--url", url))
                        .get("projections")
                        .get(0);
            } while (one.get("generation").asLong() < 2 && System.nanoTime() < deadline);
            assertThat(one.get("generation").asLong()).isEqualTo(2);
            CliRun verify = CliRun.of("projections", "verify", "orders", "--url", url);
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).contains("\"ok\":true");
            CliRun unknown = CliRun.of("projections", "rebuild", "nope", "--url", url);
            assertThat(unknown.exitCode()).isEqualTo(1);
            assertThat(unknown.err()).contains("not_found");
        } finally {
            server.stop();
        }
    }
}
