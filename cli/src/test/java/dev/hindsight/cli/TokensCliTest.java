package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokens create|list|revoke}, {@code serve --auth} and the clients' {@code --token}. */
class TokensCliTest {
    private static HindsightServer serve(String... args) {
        return ServeRun.start(args);
    }

    @Test
    void createListRevoke_printsTheTokenOnce_storesOnlyItsHash(@TempDir Path dir) throws Exception {
        CliRun created = CliRun.of(
                "tokens",
                "create",
                "--role",
                "writer",
                "--prefix",
                "ord_",
                "--name",
                "shop",
                "--data-dir",
                dir.toString());

        assertThat(created.exitCode()).as(created.err()).isZero();
        String token = created.out().strip();
        assertThat(token).startsWith("hs_").doesNotContain("\n", " ");
        assertThat(created.err()).contains("shop").doesNotContain(token);
        String file = Files.readString(dir.resolve(FileTokenStore.FILE_NAME));
        assertThat(file).contains("shop", "ord_").doesNotContain(token);

        CliRun list = CliRun.of("tokens", "list", "--data-dir", dir.toString());
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("shop", "writer", "ord_").doesNotContain(token);

        CliRun taken =
                CliRun.of("tokens", "create", "--role", "reader", "--name", "shop", "--data-dir", dir.toString());
        assertThat(taken.exitCode()).isEqualTo(2);
        assertThat(taken.err()).contains("exists already");
        assertThat(taken.out()).isEmpty();

        assertThat(CliRun.of("tokens", "revoke", "shop", "--data-dir", dir.toString())
                        .exitCode())
                .isZero();
        CliRun again = CliRun.of("tokens", "revoke", "shop", "--data-dir", dir.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("no token named 'shop'");
        assertThat(CliRun.of("tokens", "list", "--data-dir", dir.toString()).out())
                .doesNotContain("shop");
    }

    @Test
    void create_badRoleOrName_exit2_andChangesNothing(@TempDir Path dir) {
        CliRun badRole = CliRun.of("tokens", "create", "--role", "root", "--data-dir", dir.toString());
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(badRole.err()).contains("reader, writer or admin");
        assertThat(CliRun.of("tokens", "create", "--role", "admin", "--name", "a b", "--data-dir", dir.toString())
                        .exitCode())
                .isEqualTo(2);
        assertThat(dir.resolve(FileTokenStore.FILE_NAME)).doesNotExist();
    }

    @Test
    void serve_onANonLoopbackHostWithoutTokens_refusesToStart_sayingHow(@TempDir Path dir) {
        assertThatThrownBy(() -> serve(
                        "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("no API token")
                .hasMessageContaining("./hindsight tokens create --role admin --data-dir " + dir);
        assertThatThrownBy(() -> serve("serve", "--auth", "--port", "0", "--data-dir", dir.toString()))
                .hasMessageContaining("no API token");
    }

    @Test
    void serveAuth_clientsWithoutATokenGet401_withTheTokenOrItsVariableSucceed(@TempDir Path dir) {
        String admin = CliRun.of("tokens", "create", "--role", "admin", "--data-dir", dir.toString())
                .out()
                .strip();
        String reader = CliRun.of("tokens", "create", "--role", "reader", "--data-dir", dir.toString())
                .out()
                .strip();
        HindsightServer server =
                serve("serve", "--auth", "--port", "0", "--data-dir", dir.toString(), "--fsync", "never");
        String url = "http://127.0.0.1:" + server.port();
        try {
            assertThat(server.authEnabled()).isTrue();
            CliRun anonymous = CliRun.of("append", "ord_1", "--type", "Noted", "--data", "{}", "--url", url);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.err()).contains("unauthorized");

            CliRun denied =
                    CliRun.of("append", "ord_1", "--type", "Noted", "--data", "{}", "--url", url, "--token", reader);
            assertThat(denied.exitCode()).isEqualTo(1);
            assertThat(denied.err()).contains("forbidden");

            CliRun ok = CliRun.of("append", "ord_1", "--type", "Noted", "--data", "{}", "--url", url, "--token", admin);
            assertThat(ok.exitCode()).as(ok.err()).isZero();
            CliRun read = CliRun.of("read", "ord_1", "--url", url, "--token", reader);
            assertThat(read.exitCode()).as(read.err()).isZero();
            assertThat(read.out()).contains("Noted");
            CliRun export = CliRun.of("export", "--url", url, "--token", reader);
            assertThat(export.exitCode()).as(export.err()).isZero();
            assertThat(export.out()).contains("ord_1");
        } finally {
            server.stop();
        }
    }

    @Test
    void serveLimits_rateLimitNeedsAuth_andAnswers429(@TempDir Path dir) {
        assertThatThrownBy(() -> serve("serve", "--rate-limit", "5", "--port", "0", "--data-dir", dir.toString()))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--auth");
        assertThatThrownBy(() -> serve("serve", "--max-live-feeds", "0", "--port", "0", "--data-dir", dir.toString()))
                .isInstanceOf(CliException.class);
        String token = CliRun.of("tokens", "create", "--role", "reader", "--data-dir", dir.toString())
                .out()
                .strip();
        HindsightServer server = serve(
                "serve",
                "--auth",
                "--rate-limit",
                "2",
                "--port",
                "0",
                "--data-dir",
                dir.toString(),
                "--fsync",
                "never",
                "--header-timeout",
                "5s");
        try {
            String url = "http://127.0.0.1:" + server.port();
            String errors = "";
            for (int i = 0; i < 10; i++) {
                errors += CliRun.of("projections", "status", "--url", url, "--token", token)
                        .err();
            }
            assertThat(errors).contains("rate_limited");
        } finally {
            server.stop();
        }
    }
}
