package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.server.HindsightServer;
import dev.hindsight.testkit.TestCertificates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --tls-cert --tls-key} with {@code --auth}; clients and loadgen over {@code https://} with {@code --ca-cert}. */
class TlsCliTest {
    @TempDir
    Path dir;

    private static HindsightServer serve(String... args) {
        return ServeRun.start(args);
    }

    @Test
    void httpsWithTokens_clientsAndLoadgenNeedTheCaCertAndTheToken() throws Exception {
        TestCertificates.Pems pems = TestCertificates.selfSigned(dir.resolve("tls"), "EC");
        Path data = dir.resolve("data");
        String token = CliRun.of("tokens", "create", "--role", "writer", "--data-dir", data.toString())
                .out()
                .strip();
        HindsightServer server = serve(
                "serve",
                "--auth",
                "--port",
                "0",
                "--data-dir",
                data.toString(),
                "--fsync",
                "never",
                "--tls-cert",
                pems.cert().toString(),
                "--tls-key",
                pems.key().toString());
        String url = "https://localhost:" + server.port();
        String ca = pems.cert().toString();
        try {
            assertThat(server.tls()).isTrue();
            CliRun untrusted =
                    CliRun.of("append", "a-1", "--type", "T", "--data", "{}", "--url", url, "--token", token);
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.err()).contains("--ca-cert");

            CliRun ok = CliRun.of(
                    "append", "a-1", "--type", "T", "--data", "{}", "--url", url, "--token", token, "--ca-cert", ca);
            assertThat(ok.exitCode()).as(ok.err()).isZero();

            CliRun load = CliRun.of(
                    "loadgen",
                    "--url",
                    url,
                    "--ca-cert",
                    ca,
                    "--token",
                    token,
                    "--appends",
                    "1",
                    "--concurrency",
                    "4",
                    "--warmup",
                    "0s",
                    "--duration",
                    "1s",
                    "--quiet");
            assertThat(load.exitCode()).as(load.out() + load.err()).isZero();
            CliRun noToken = CliRun.of(
                    "loadgen",
                    "--url",
                    url,
                    "--ca-cert",
                    ca,
                    "--appends",
                    "1",
                    "--concurrency",
                    "2",
                    "--warmup",
                    "0s",
                    "--duration",
                    "1s",
                    "--quiet");
            assertThat(noToken.exitCode()).isEqualTo(1);
        } finally {
            server.stop();
        }
    }

    @Test
    void tlsOptions_badUsage_exit2() throws Exception {
        TestCertificates.Pems pems = TestCertificates.selfSigned(dir.resolve("tls"), "RSA");
        assertThatThrownBy(() ->
                        serve("serve", "--port", "0", "--tls-cert", pems.cert().toString()))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--tls-key");
        assertThatThrownBy(() -> serve(
                        "serve",
                        "--port",
                        "0",
                        "--data-dir",
                        dir.resolve("d").toString(),
                        "--tls-cert",
                        pems.key().toString(),
                        "--tls-key",
                        pems.key().toString()))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("CERTIFICATE");
        CliRun badCa = CliRun.of(
                "read",
                "x",
                "--url",
                "https://localhost:1",
                "--ca-cert",
                dir.resolve("no.pem").toString());
        assertThat(badCa.exitCode()).isEqualTo(2);
        assertThat(badCa.err()).contains("--ca-cert");
    }
}
