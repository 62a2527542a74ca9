package dev.hindsight.cli;

import dev.hindsight.core.privacy.FileSubjectKeyStore;
import dev.hindsight.core.privacy.InMemorySubjectKeyStore;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.privacy.SubjectKeyStore;
import dev.hindsight.orders.OrderPrivacy;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSubjectKeyStore;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The master key of crypto-shredding ({@code --master-key-file}, else {@code $HINDSIGHT_MASTER_KEY}) and the
 * {@link Shredder} it gives: with one, the order system's personal fields are encrypted per customer and
 * {@code DELETE /api/subjects/{subject}} / {@code hindsight forget} erase them; without one, shredding is off. Keys are
 * kept with the store: {@code subject-keys} in the data directory, or the {@code subject_keys} table of a PostgreSQL
 * store. Not thread-safe.
 */
final class ShreddingOptions {
    /** The environment variable holding a base64 master key when no file is given. */
    static final String ENV = "HINDSIGHT_MASTER_KEY";

    @Option(
            names = "--master-key-file",
            description = "File holding the crypto-shredding master key (base64 of 32 bytes; make one with"
                    + " `head -c32 /dev/urandom | base64`). Default: $HINDSIGHT_MASTER_KEY; with neither, personal"
                    + " fields are stored as given and forget is unavailable.")
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
     * @param pgLog the PostgreSQL store, or null
     * @param kafkaSplitRoles whether this is a process of the Kafka engine's split roles, where the read-model and
     *     snapshot processes would need the api process's keys: refused with a master key (not supported yet)
     * @throws CliException if a master key is given to Kafka split roles
     */
    @Nullable
    Shredder shredder(
            @Nullable Path dataDir,
            @Nullable PostgresEventLog pgLog,
            @Nullable PostgresOptions pgOptions,
            boolean kafkaSplitRoles) {
        MasterKey key = masterKey();
        if (key == null) {
            return null;
        }
        if (kafkaSplitRoles) {
            throw new CliException(
                    "crypto-shredding (a master key) is not supported with --store kafka split roles yet: the"
                            + " read-model and snapshots processes cannot reach the keys in the api node's data"
                            + " directory",
                    2);
        }
        SubjectKeyStore keys;
        try {
            keys = pgLog != null && pgOptions != null
                    ? PostgresSubjectKeyStore.open(pgLog.dataSource(), pgOptions.schema())
                    : dataDir != null ? FileSubjectKeyStore.open(dataDir) : new InMemorySubjectKeyStore();
        } catch (RuntimeException e) {
            throw new CliException("cannot open the subject keys: " + e.getMessage());
        }
        return new Shredder(key, keys, OrderPrivacy.PERSONAL);
    }
}
