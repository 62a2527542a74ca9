package dev.hindsight.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the {@code hindsight} command. Exit codes: 0 success, 1 failure (the server's error JSON or a
 * message on stderr), 2 bad usage. Not thread-safe.
 */
@Command(
        name = "hindsight",
        mixinStandardHelpOptions = true,
        versionProvider = Hindsight.Version.class,
        description = "Hindsight: an event store with time travel.",
        subcommands = {
            ServeCommand.class,
            AppendCommand.class,
            ReadCommand.class,
            TailCommand.class,
            VerifyCommand.class,
            ProjectionsCommand.class,
            OrdersCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            LoadgenCommand.class,
            ArchiveCommand.class,
            RetentionCommand.class,
            KafkaDevCommand.class,
            TokensCommand.class,
            ForgetCommand.class,
            KeysCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Hindsight implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "Missing command: use one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: failures print one clear line on stderr instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Hindsight());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CliException) {
                err.println("hindsight: " + e.getMessage());
            } else {
                err.println("hindsight: " + e);
                if (System.getenv("HINDSIGHT_DEBUG") != null) {
                    e.printStackTrace(err);
                }
            }
            err.flush();
            return e instanceof CliException c ? c.exitCode() : 1;
        });
        return cl;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Hindsight.class.getPackage().getImplementationVersion();
            return new String[] {"hindsight " + (v == null ? "(development build)" : v), "Java " + Runtime.version()};
        }
    }
}
