package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split roles over the Kafka engine are refused, in one line and before anything is opened, without PostgreSQL (where
 * their snapshots and read model live) and with inline projections (Kafka appends have no PostgreSQL transaction). A
 * master key is accepted (keys in PostgreSQL), except on a node whose data directory already holds file keys.
 */
class KafkaRolesRefusalTest {
    @TempDir
    Path dir;

    private CliRun serve(String... extra) {
        String[] base = {
            "serve",
            "--port",
            "0",
            "--store",
            "kafka",
            "--kafka-bootstrap",
            "127.0.0.1:1",
            "--data-dir",
            dir.resolve("data").toString()
        };
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    @Test
    void splitRoles_onKafkaWithoutPgUrl_refusedNamingPgUrl() {
        for (String role : new String[] {"read-model", "snapshots", "api"}) {
            CliRun r = serve("--pg-url", "", "--role", role);

            assertThat(r.exitCode()).as(role).isEqualTo(1);
            assertThat(r.err())
                    .contains("--role " + role + " over --store kafka needs --pg-url")
                    .contains("snapshots and the read model in PostgreSQL");
        }
        assertThat(Files.exists(dir.resolve("data"))).isFalse();
    }

    @Test
    void masterKey_withKafkaWorkerRole_acceptedThenNeedsPostgres() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        CliRun r = serve(
                "--pg-url",
                "jdbc:postgresql://127.0.0.1:1/x",
                "--role",
                "read-model",
                "--master-key-file",
                key.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot connect to PostgreSQL").doesNotContain("not supported");
    }

    @Test
    void masterKeyAndPgUrl_onKafkaNodeWithLocalKeys_refusedBeforeOpeningAnything() throws Exception {
        Path key = ShreddingChecks.masterKeyFile(dir);
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/subject-keys"), "ref keyid d3JhcHBlZA\n");
        for (String role : new String[] {"all", "api", "read-model"}) {
            CliRun r = serve(
                    "--pg-url", "jdbc:postgresql://127.0.0.1:1/x", "--role", role, "--master-key-file", key.toString());

            assertThat(r.exitCode()).as(role).isEqualTo(2);
            assertThat(r.err())
                    .as(role)
                    .contains("keeps the subject keys in PostgreSQL")
                    .contains("subject-keys");
        }
    }

    @Test
    void inlineProjections_withKafkaRoles_refused() {
        CliRun r = serve(
                "--pg-url", "jdbc:postgresql://127.0.0.1:1/x", "--role", "api,read-model", "--inline-projections");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--inline-projections needs --store postgres");
    }
}
