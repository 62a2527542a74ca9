package dev.hindsight.cli;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.auth.TokenStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight tokens create|list|revoke}: API tokens of a store, edited directly in its storage (a running server
 * sees the change within a second). Not thread-safe.
 */
@Command(
        name = "tokens",
        mixinStandardHelpOptions = true,
        description = "API tokens (roles reader, writer, admin; optional aggregate-id prefix scope), kept hashed with"
                + " the store.",
        subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: create, list or revoke");
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description =
                    "Create a token and print it alone on stdout; it is shown this once (only its hash is" + " kept).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TokenStoreOptions store;

        @Option(names = "--role", required = true, description = "reader, writer or admin.")
        String role;

        @Option(names = "--prefix", description = "Only aggregates whose id starts with this (e.g. ord_); default all.")
        @Nullable
        String prefix;

        @Option(names = "--name", description = "Unique name, for list and revoke (default: generated).")
        @Nullable
        String name;

        @Override
        public Integer call() {
            Role r;
            try {
                r = Role.parse(role);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            try (TokenStoreOptions.Opened opened = store.open()) {
                TokenStore.Created created = opened.tokens().create(name, r, prefix);
                PrintWriter out = spec.commandLine().getOut();
                out.println(created.secret());
                out.flush();
                PrintWriter err = spec.commandLine().getErr();
                err.println("created token '" + created.token().name() + "' (" + describe(created.token())
                        + "); it is not shown again");
                err.flush();
                return 0;
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never the secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TokenStoreOptions store;

        @Override
        public Integer call() {
            try (TokenStoreOptions.Opened opened = store.open()) {
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-24s %-7s %-16s %s%n", "NAME", "ROLE", "PREFIX", "CREATED");
                for (ApiToken t : opened.tokens().list()) {
                    out.printf(
                            "%-24s %-7s %-16s %s%n",
                            t.name(), t.role(), t.prefix() == null ? "*" : t.prefix(), t.createdAt());
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke (delete) a token by name.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        TokenStoreOptions store;

        @Parameters(index = "0", paramLabel = "NAME", description = "The token's name (see tokens list).")
        String name;

        @Override
        public Integer call() {
            try (TokenStoreOptions.Opened opened = store.open()) {
                if (!opened.tokens().revoke(name)) {
                    throw new CliException("no token named '" + name + "'");
                }
                PrintWriter err = spec.commandLine().getErr();
                err.println("revoked token '" + name + "'");
                err.flush();
                return 0;
            }
        }
    }

    private static String describe(ApiToken t) {
        return t.role() + (t.prefix() == null ? ", all aggregates" : ", aggregates " + t.prefix() + "…");
    }
}
