package dev.hindsight.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The {@code --token} option of commands that talk to a server. Not thread-safe. */
final class ClientAccess {
    @Option(
            names = "--token",
            defaultValue = "${env:HINDSIGHT_TOKEN}",
            description = "API token, sent as Authorization: Bearer (default: $HINDSIGHT_TOKEN; prefer the variable,"
                    + " which other users cannot see in the process list).")
    @Nullable
    String token;

    /** The token, or null when none was given. */
    @Nullable
    String token() {
        return token == null || token.isBlank() ? null : token.strip();
    }
}
