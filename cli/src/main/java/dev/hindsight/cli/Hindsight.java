package dev.hindsight.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
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
        description = "Hindsight: an event store with time travel.")
public final class Hindsight implements Runnable {
    private static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    /** The subcommands, in the order the usage help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
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
            CommandLine.HelpCommand.class);

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
        // Jetty sizes its queues' padding by the references per cache line; without this property it asks the JVM
        // through the platform MBean server, whose creation cost serve ~0.15 s of its start-up. 16 is right with
        // compressed references (heaps under 32 GB) and only pads more than needed without them.
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        }
        System.exit(commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The configured command line: failures print one clear line on stderr instead of a stack trace. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line with only the subcommand that {@code first} names, or with all of them when it names none
     * (options, {@code help}, a typo). Picocli reflects over every option of every subcommand it is given: modelling
     * all sixteen cost {@code serve} about 0.5 s of its start-up (docs/benchmarks.md, session 14).
     */
    static CommandLine commandLine(@Nullable String first) {
        CommandLine cl = new CommandLine(new Hindsight());
        Class<?> only = first == null ? null : named(first);
        for (Class<?> command : COMMANDS) {
            if (only == null || command == only) {
                cl.addSubcommand(command);
            }
        }
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

    /** The subcommand class whose name or alias is {@code name}, or null. */
    private static @Nullable Class<?> named(String name) {
        for (Class<?> command : COMMANDS) {
            Command c = command.getAnnotation(Command.class);
            if (c.name().equals(name) || Arrays.asList(c.aliases()).contains(name)) {
                return command;
            }
        }
        return null;
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
