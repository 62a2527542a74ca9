package dev.hindsight.cli;

import dev.hindsight.server.Tls;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The {@code --token} and {@code --ca-cert} options of commands that talk to a server. Not thread-safe. */
final class ClientAccess {
    @Option(
            names = "--token",
            defaultValue = "${env:HINDSIGHT_TOKEN}",
            description = "API token, sent as Authorization: Bearer (default: $HINDSIGHT_TOKEN; prefer the variable,"
                    + " which other users cannot see in the process list).")
    @Nullable
    String token;

    @Option(
            names = "--ca-cert",
            description = "PEM certificate(s) to trust for an https:// URL instead of the JVM's authorities (e.g. the"
                    + " server's self-signed --tls-cert).")
    @Nullable
    Path caCert;

    /** The TLS context trusting {@code --ca-cert}, or null for the JVM's default. */
    @Nullable
    SSLContext ssl() {
        if (caCert == null) {
            return null;
        }
        try {
            return Tls.trusting(caCert);
        } catch (IllegalArgumentException e) {
            throw new CliException("--ca-cert: " + e.getMessage(), 2);
        }
    }

    /** The token, or null when none was given. */
    @Nullable
    String token() {
        return token == null || token.isBlank() ? null : token.strip();
    }
}
