package dev.hindsight.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.orders.OrderPrivacy;
import dev.hindsight.projection.ReadModelDatabase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * an admin token when tokens are on; recorded in the audit trail), or, with {@code --data-dir}, directly on a stopped
 * file store: deletes the subject's key from {@code subject-keys} and erases it from {@code readmodel.db}. Prints
 * {@code {"subject_ref", "key_destroyed"}}. Not thread-safe.
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
                    + " $HINDSIGHT_MASTER_KEY) instead of through --url.")
    @Nullable
    Path dataDir;

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "The subject's id, e.g. a customer's user_id.")
    String subject;

    @Override
    public Integer call() {
        if (dataDir == null) {
            return Output.answer(
                    spec,
                    server.api()
                            .delete("/api/subjects/"
                                    + URLEncoder.encode(subject, StandardCharsets.UTF_8)
                                            .replace("+", "%20")));
        }
        MasterKey key = shredding.masterKey();
        if (key == null) {
            throw new CliException(
                    "forget --data-dir needs the master key: --master-key-file or $" + ShreddingOptions.ENV, 2);
        }
        if (!Files.isDirectory(dataDir)) {
            throw new CliException("no data directory " + dataDir, 2);
        }
        Shredder shredder = new Shredder(key, FileSubjectKeyStore.open(dataDir), OrderPrivacy.PERSONAL);
        Path readModel = dataDir.resolve("readmodel.db");
        if (Files.exists(readModel)) {
            shredder.onForget(s -> {
                try (ReadModelDatabase db = ReadModelDatabase.sqlite(readModel)) {
                    OrderPrivacy.eraseFromReadModel(db, s);
                }
            });
        }
        Shredder.Forgotten f = shredder.forget(subject);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("subject_ref", f.subjectRef()).put("key_destroyed", f.keyDestroyed());
        spec.commandLine().getOut().println(Json.write(out));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
