package dev.hindsight.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.Json;
import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.KeyRotation;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSubjectKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight keys rotate}: master-key rotation of crypto-shredding ({@link KeyRotation}), offline, on the key
 * store of a stopped store: {@code subject-keys} in a data directory (file store, one Kafka node without
 * {@code --pg-url}) or the {@code subject_keys} table of a PostgreSQL schema (PostgreSQL store, Kafka with
 * {@code --pg-url}). Not thread-safe.
 */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Crypto-shredding keys of a stopped store.",
        subcommands = {KeysCommand.Rotate.class})
final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: rotate");
    }

    @Command(
            name = "rotate",
            mixinStandardHelpOptions = true,
            description = "Re-wrap every subject's data key from the old master key to the new one, atomically (a"
                    + " crash leaves all keys under the old master key or all under the new one). Stop every server"
                    + " of the store first; start them again with the new key. Prints {\"rewrapped\": N}.")
    static final class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--old-key-file", required = true, description = "The master key the keys are wrapped by now.")
        Path oldKeyFile;

        @Option(names = "--new-key-file", required = true, description = "The master key to wrap them by.")
        Path newKeyFile;

        @Option(
                names = "--data-dir",
                description = "The stopped store's data directory, whose subject-keys file to rotate (file store, or"
                        + " one Kafka node without --pg-url). Without it: the PostgreSQL schema of --pg-url.")
        @Nullable
        Path dataDir;

        @Mixin
        PgConnectionOptions pg = new PgConnectionOptions();

        @Override
        public Integer call() {
            MasterKey oldKey = read(oldKeyFile, "--old-key-file");
            MasterKey newKey = read(newKeyFile, "--new-key-file");
            boolean pgGiven = spec.commandLine().getParseResult().hasMatchedOption("--pg-url");
            if (dataDir != null && pgGiven) {
                throw new CliException(
                        "give --data-dir (a subject-keys file) or --pg-url (a subject_keys table), not" + " both", 2);
            }
            try {
                int n = dataDir != null ? rotateFile(dataDir, oldKey, newKey) : rotatePostgres(oldKey, newKey);
                ObjectNode out = Json.mapper().createObjectNode().put("rewrapped", n);
                spec.commandLine().getOut().println(Json.write(out));
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            } catch (CorruptionException e) {
                throw new CliException("cannot rotate: " + e.getMessage());
            }
        }

        private static MasterKey read(Path file, String option) {
            try {
                return MasterKey.fromFile(file);
            } catch (IllegalArgumentException e) {
                throw new CliException(option + ": " + e.getMessage(), 2);
            }
        }

        private static int rotateFile(Path dir, MasterKey oldKey, MasterKey newKey) {
            if (!Files.isRegularFile(dir.resolve(FileSubjectKeyStore.FILE_NAME))) {
                throw new CliException(
                        "no " + FileSubjectKeyStore.FILE_NAME + " in " + dir
                                + " (a store that never ran with a master key has no keys to rotate)",
                        2);
            }
            return KeyRotation.rotate(FileSubjectKeyStore.open(dir), oldKey, newKey);
        }

        private int rotatePostgres(MasterKey oldKey, MasterKey newKey) {
            if (pg.pgUrl == null || pg.pgUrl.isBlank()) {
                throw new CliException("keys rotate needs --data-dir or --pg-url (or HINDSIGHT_PG_URL)", 2);
            }
            PostgresOptions options = pg.options("hindsight-keys").withMigrate(false);
            try (HikariDataSource pool = options.openPool()) {
                return KeyRotation.rotate(PostgresSubjectKeyStore.open(pool, options.schema()), oldKey, newKey);
            } catch (CliException | CorruptionException | IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new CliException("cannot rotate the keys in " + pg.pgUrl + " (schema " + options.schema() + "): "
                        + e.getMessage());
            }
        }
    }
}
