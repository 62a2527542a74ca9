package dev.hindsight.cli;

import dev.hindsight.server.HindsightServer;

/** Starts {@code serve} in this JVM from its command line, as the tests of the cli need it. */
final class ServeRun {
    private ServeRun() {}

    /**
     * Parses {@code args} (starting with {@code serve}) and starts the server.
     *
     * @return the running server; the caller stops it
     */
    static HindsightServer start(String... args) {
        ServeCommand serve = Hindsight.commandLine()
                .parseArgs(args)
                .subcommand()
                .commandSpec()
                .commandLine()
                .getCommand();
        return serve.start();
    }
}
