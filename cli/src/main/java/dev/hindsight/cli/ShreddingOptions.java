package dev.hindsight.cli;

import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.InMemorySubjectKeyStore;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.privacy.SubjectKeyStore;
import dev.hindsight.orders.OrderPrivacy;
import dev.hindsight.store.postgres.PostgresSubjectKeyStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The master key of crypto-shredding ({@code --master-key-file}, else {@code $HINDSIGHT_MASTER_KEY}) and the
 * {@link Shredder} it gives: with one, the order system's personal fields are encrypted per customer and
 * {@code DELETE /api/subjects/{subject}} / {@code hindsight forget} erase them; without one, shredding is off. Keys are
 * kept with the store: {@code subject-keys} in the data directory, or the {@code subject_keys} table of a PostgreSQL
 * store, or, on Kafka with {@code --pg-url}, of the schema the Kafka roles keep snapshots and the read model in. Not
 * thread-safe.
 */
final class ShreddingOptions {
    /** The environment variable holding a base64 master key when no file is given. */
    static final String ENV = "HINDSIGHT_MASTER_KEY";

    @Option(
            names = "--master-key-file",
            description = "File holding the crypto-shredding master key (base64 of 32 bytes; make one with"
                    + " `head -c32 /dev/urandom | base64`). Default: $HINDSIGHT_MASTER_KEY; with neither, personal"
                    + " fields are stored as given and forget is unavailable. Every process of a store needs the same"
                    + " key; on --store kafka with --pg-url the subject keys are shared in PostgreSQL.")
    @Nullable
    Path masterKeyFile;

    /**
     * The master key, or null when none is configured.
     *
     * @throws CliException if the file or variable does not hold base64 of 32 bytes
     */
    @Nullable
    MasterKey masterKey() {
        try {
            if (masterKeyFile != null) {
                return MasterKey.fromFile(masterKeyFile);
            }
            String env = System.getenv(ENV);
            return env == null || env.isBlank() ? null : MasterKey.fromBase64(env);
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    (masterKeyFile != null ? "--master-key-file: " : "$" + ENV + ": ") + e.getMessage(), 2);
        }
    }

    /**
     * The shredder for a store, or null when no master key is configured.
     *
     * @param dataDir the data directory (file and Kafka stores), or null for the in-memory store
     * @param pg the PostgreSQL database holding the store's {@code subject_keys} table (migrated), or null: the
     *     PostgreSQL store, and the Kafka store given {@code --pg-url}, so that every node and role of one store shares
     *     one key table
     * @param pgSchema the schema of that table (with {@code pg})
     * @throws CliException if the keys cannot be opened
     */
    @Nullable
    Shredder shredder(@Nullable Path dataDir, @Nullable DataSource pg, @Nullable String pgSchema) {
        MasterKey key = masterKey();
        if (key == null) {
            return null;
        }
        try {
            SubjectKeyStore keys = pg != null && pgSchema != null
                    ? PostgresSubjectKeyStore.open(pg, pgSchema)
                    : dataDir != null ? FileSubjectKeyStore.open(dataDir) : new InMemorySubjectKeyStore();
            return new Shredder(key, keys, OrderPrivacy.PERSONAL);
        } catch (RuntimeException e) {
            throw new CliException("cannot open the subject keys: " + e.getMessage());
        }
    }

    /**
     * Refuses to move a Kafka node's subject keys to PostgreSQL behind the operator's back: a node that kept keys in
     * {@code <data-dir>/subject-keys} (run without {@code --pg-url}) would, given {@code --pg-url}, make new keys in
     * the table, and its events' fields would read as erased.
     *
     * <p>Does nothing without a master key.
     *
     * @throws CliException if {@code dataDir} holds subject keys
     */
    void refuseLocalKeys(Path dataDir, String pgWhere) {
        if (masterKey() == null) {
            return;
        }
        Path file = dataDir.resolve(FileSubjectKeyStore.FILE_NAME);
        try {
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                throw new CliException(
                        "--store kafka with --pg-url and a master key keeps the subject keys in PostgreSQL ("
                                + pgWhere + ", table subject_keys), but " + file + " holds keys this node made"
                                + " without --pg-url; the events encrypted with them would read as \"[erased]\"."
                                + " Serve this topic on one node without --pg-url (and without $HINDSIGHT_PG_URL),"
                                + " or start a new topic with --pg-url",
                        2);
            }
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
