package dev.hindsight.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresTokenStore;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
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

    @Mixin
    PgConnectionOptions pg = new PgConnectionOptions();

    /** An open token store; close it after use (a PostgreSQL one holds a small pool). */
    Opened open() {
        if (store != ServeCommand.StoreKind.postgres) {
            return new Opened(new FileTokenStore(dataDir), null);
        }
        PostgresOptions options = pg.options("hindsight-tokens");
        HikariDataSource pool;
        try {
            pool = options.openPool();
        } catch (RuntimeException e) {
            throw new CliException("cannot connect to " + pg.pgUrl + ": " + e.getMessage());
        }
        try {
            return new Opened(PostgresTokenStore.open(pool, options), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw new CliException("cannot open the tokens of " + pg.pgUrl + ": " + e.getMessage());
        }
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
