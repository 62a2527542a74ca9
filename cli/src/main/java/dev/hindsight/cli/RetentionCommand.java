package dev.hindsight.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight retention status|run}: the running server's retention rules (ADR 0017) over HTTP, since only the
 * server knows how far its projections have got. Not thread-safe.
 */
@Command(
        name = "retention",
        mixinStandardHelpOptions = true,
        description = "Retention rules of a running server (serve --retention): status, run now.",
        subcommands = {RetentionCommand.Status.class, RetentionCommand.Run.class})
final class RetentionCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: status or run");
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "The rules, the last run (what each rule deleted, when) and the totals since start.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Override
        public Integer call() {
            return Output.answer(spec, server.api().get("/api/retention"));
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Apply the rules now (admin token when authentication is on); exit 1 if the run failed or"
                    + " the server has no rules.")
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Override
        public Integer call() {
            return Output.answer(spec, server.api().post("/api/retention/run", "{}", Map.of()));
        }
    }
}
