package dev.hindsight.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.orders.OrderPrivacy;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSubjectKeyStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight forget SUBJECT}: crypto-shredding. Through a running server ({@code DELETE /api/subjects/{subject}},
 * an admin token when tokens are on; recorded in the audit trail), or offline: with {@code --data-dir} on a stopped
 * file store (its {@code subject-keys} and {@code readmodel.db}; recorded in the store's audit trail by
 * {@code cli:OS-USER} first), with {@code --pg-url} on a PostgreSQL store (its {@code subject_keys} table and read-model
 * schema; running servers stop decrypting within a second; not audited: the trail may live in another engine). Prints {@code {"subject_ref", "key_destroyed"}}. Not thread-safe.
 */
@Command(
        name = "forget",
        mixinStandardHelpOptions = true,
        description = "Forget a subject (e.g. an order's user_id): destroy its data key, so its personal fields read as"
                + " \"[erased]\" everywhere. Through the server at --url, or offline on a stopped file store with"
                + " --data-dir and the master key.")
final class ForgetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerUrl server;

    @Mixin
    ShreddingOptions shredding = new ShreddingOptions();

    @Option(
            names = "--data-dir",
            description = "Forget offline in this stopped file store's data directory (needs --master-key-file or"
                    + " $HINDSIGHT_MASTER_KEY) instead of through --url. With --pg-url: the stopped Kafka node whose"
                    + " read model (readmodel.db) is here while its keys are in PostgreSQL.")
    @Nullable
    Path dataDir;

    /**
     * {@code --pg-url} (offline on a PostgreSQL store when given on the command line; {@code $HINDSIGHT_PG_URL} alone
     * does not switch a forget to offline), {@code --pg-user}, {@code --pg-password}, {@code --pg-schema}.
     */
    @Mixin
    PgConnectionOptions pg = new PgConnectionOptions();

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject's id, e.g. a customer's user_id.")
    String subject;

    @Override
    public Integer call() {
        if (spec.commandLine().getParseResult().hasMatchedOption("--pg-url")) {
            return offlinePostgres(requireMasterKey());
        }
        if (dataDir == null) {
            return Output.answer(
                    spec,
                    server.api()
                            .delete("/api/subjects/"
                                    + URLEncoder.encode(subject, StandardCharsets.UTF_8)
                                            .replace("+", "%20")));
        }
        MasterKey key = requireMasterKey();
        if (!Files.isDirectory(dataDir)) {
            throw new CliException("no data directory " + dataDir, 2);
        }
        Shredder shredder;
        try {
            shredder = new Shredder(key, FileSubjectKeyStore.open(dataDir), OrderPrivacy.PERSONAL);
        } catch (RuntimeException e) {
            throw new CliException("cannot open the subject keys in " + dataDir + ": " + e.getMessage());
        }
        eraseLocalReadModel(shredder, dataDir);
        audit(dataDir, shredder);
        return print(shredder.forget(subject));
    }

    /**
     * Records the forget in the stopped file store's audit trail before the key goes, as the server does ({@code
     * SubjectForgotten}, by {@code cli:OS-USER}); refuses (changing nothing) when a server holds the store.
     */
    private void audit(Path dir, Shredder shredder) {
        if (!Files.isDirectory(dir.resolve("segments"))) {
            // a stopped single Kafka node keeps its keys here but its log (and audit trail) in the topic
            spec.commandLine()
                    .getErr()
                    .println("hindsight forget: " + dir + " holds no file-engine log, so the forget is not recorded in"
                            + " an audit trail; forget through a running server (--url) to record it");
            return;
        }
        String actor = "cli:" + System.getProperty("user.name", "unknown");
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir))) {
            EventStore.of(log)
                    .append(
                            Shredder.AUDIT_STREAM,
                            ExpectedVersion.ANY,
                            List.of(Shredder.forgottenEvent(
                                    shredder.subjectRef(subject), shredder.hasKey(subject), actor)));
        } catch (StoreLockedException e) {
            throw new CliException(
                    "the store in " + dir + " is in use by a running server: forget through it with --url", 2);
        } catch (RuntimeException e) {
            throw new CliException("cannot record the forget in the audit trail of " + dir + " (nothing was"
                    + " forgotten): " + e.getMessage());
        }
    }

    /** Erases the subject from the SQLite read model in {@code dir}, if there is one, when it is forgotten. */
    private static void eraseLocalReadModel(Shredder shredder, Path dir) {
        Path readModel = dir.resolve("readmodel.db");
        if (Files.exists(readModel)) {
            shredder.onForget(s -> {
                try (ReadModelDatabase db = ReadModelDatabase.sqlite(readModel)) {
                    OrderPrivacy.eraseFromReadModel(db, s);
                }
            });
        }
    }

    private MasterKey requireMasterKey() {
        MasterKey key = shredding.masterKey();
        if (key == null) {
            throw new CliException(
                    "forget offline needs the master key: --master-key-file or $" + ShreddingOptions.ENV, 2);
        }
        return key;
    }

    /** Deletes the key from {@code subject_keys} and erases the subject from the read-model schema. */
    private int offlinePostgres(MasterKey key) {
        PostgresOptions options = pg.options("hindsight-forget").withMigrate(false);
        try (HikariDataSource pool = options.openPool();
                HikariDataSource readModel =
                        OrdersWiring.readModelSource(options, pg.pgSchema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX)) {
            Shredder shredder =
                    new Shredder(key, PostgresSubjectKeyStore.open(pool, pg.pgSchema), OrderPrivacy.PERSONAL);
            shredder.onForget(s -> OrderPrivacy.eraseFromReadModel(ReadModelDatabase.postgres(readModel), s));
            if (dataDir != null) {
                eraseLocalReadModel(shredder, dataDir); // a stopped Kafka --role all node: keys here, read model there
            }
            return print(shredder.forget(subject));
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException("cannot forget in " + pg.pgUrl + " (schema " + pg.pgSchema + "): " + e.getMessage());
        }
    }

    private int print(Shredder.Forgotten f) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("subject_ref", f.subjectRef()).put("key_destroyed", f.keyDestroyed());
        spec.commandLine().getOut().println(Json.write(out));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
