package dev.hindsight.cli;

import dev.hindsight.store.postgres.PostgresOptions;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * How a command that works on a PostgreSQL store directly (not through a server) connects to it: {@code --pg-url},
 * {@code --pg-user}, {@code --pg-password} (defaults from the {@code HINDSIGHT_PG_*} variables) and
 * {@code --pg-schema}. Not thread-safe.
 */
final class PgConnectionOptions {
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

    /** The store's options, or a usage error naming what is missing or malformed. */
    PostgresOptions options(String applicationName) {
        if (pgUrl == null || pgUrl.isBlank()) {
            throw new CliException("--store postgres needs --pg-url (or HINDSIGHT_PG_URL)", 2);
        }
        try {
            return PostgresOptions.builder(pgUrl)
                    .credentials(blankToNull(pgUser), blankToNull(pgPassword))
                    .schema(pgSchema)
                    .poolSize(2)
                    .applicationName(applicationName)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
