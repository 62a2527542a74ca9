package dev.hindsight.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresTokenStore;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where {@code hindsight tokens} finds a store's tokens: {@code tokens.json} in the data directory (file, memory and
 * Kafka stores, whose servers read it from their {@code --data-dir}) or the {@code api_tokens} table of a PostgreSQL
 * store. Not thread-safe.
 */
final class TokenStoreOptions {
    @Option(
            names = "--data-dir",
            defaultValue = "./data",
            description = "Data directory of the store (default: ./data); its tokens are in tokens.json.")
    Path dataDir = Path.of("./data");

    @Option(
            names = "--store",
            defaultValue = "file",
            description = "Engine: ${COMPLETION-CANDIDATES} (default: file). postgres keeps tokens in the database"
                    + " (needs --pg-url); the others in --data-dir.")
    ServeCommand.StoreKind store = ServeCommand.StoreKind.file;

    @Option(
            names = "--pg-url",
            defaultValue = "${env:HINDSIGHT_PG_URL}",
            description = "PostgreSQL JDBC URL for --store postgres (default: $HINDSIGHT_PG_URL).")
    @Nullable
    String pgUrl;

    @Option(
            names = "--pg-user",
            defaultValue = "${env:HINDSIGHT_PG_USER}",
            description = "PostgreSQL user (default: $HINDSIGHT_PG_USER).")
    @Nullable
    String pgUser;

    @Option(
            names = "--pg-password",
            defaultValue = "${env:HINDSIGHT_PG_PASSWORD}",
            description = "PostgreSQL password (default: $HINDSIGHT_PG_PASSWORD).")
    @Nullable
    String pgPassword;

    @Option(
            names = "--pg-schema",
            defaultValue = "hindsight",
            description = "Schema of the store's tables (default: ${DEFAULT-VALUE}).")
    String pgSchema = "hindsight";

    /** An open token store; close it after use (a PostgreSQL one holds a small pool). */
    Opened open() {
        if (store != ServeCommand.StoreKind.postgres) {
            return new Opened(new FileTokenStore(dataDir), null);
        }
        if (pgUrl == null || pgUrl.isBlank()) {
            throw new CliException("--store postgres needs --pg-url (or HINDSIGHT_PG_URL)", 2);
        }
        PostgresOptions options;
        try {
            options = PostgresOptions.defaults(pgUrl)
                    .withCredentials(blankToNull(pgUser), blankToNull(pgPassword))
                    .withSchema(pgSchema)
                    .withPoolSize(2)
                    .withApplicationName("hindsight-tokens");
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        HikariDataSource pool;
        try {
            pool = options.openPool();
        } catch (RuntimeException e) {
            throw new CliException("cannot connect to " + pgUrl + ": " + e.getMessage());
        }
        try {
            return new Opened(PostgresTokenStore.open(pool, options), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw new CliException("cannot open the tokens of " + pgUrl + ": " + e.getMessage());
        }
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** A token store and what to close after it. */
    record Opened(TokenStore tokens, @Nullable HikariDataSource pool) implements AutoCloseable {
        @Override
        public void close() {
            if (pool != null) {
                pool.close();
            }
        }
    }
}
