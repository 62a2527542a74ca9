package dev.hindsight.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hindsight projections status|rebuild|verify}: read-model administration over HTTP. Not thread-safe. */
@Command(
        name = "projections",
        mixinStandardHelpOptions = true,
        description = "Read models: status and lag, zero-downtime rebuild, verify against the log.",
        subcommands = {
            ProjectionsCommand.Status.class,
            ProjectionsCommand.Rebuild.class,
            ProjectionsCommand.Verify.class
        })
final class ProjectionsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: status, rebuild or verify");
    }

    static String path(String name, String action) {
        return "/api/projections/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + action;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Status and lag of every projection.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Only this projection.")
        String name;

        @Override
        public Integer call() {
            return Output.answer(spec, server.api().get(name == null ? "/api/projections" : path(name, "")));
        }
    }

    @Command(
            name = "rebuild",
            mixinStandardHelpOptions = true,
            description = "Rebuild a projection beside the live one and switch when caught up.")
    static final class Rebuild implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Parameters(index = "0", paramLabel = "NAME", description = "Projection name, e.g. orders.")
        String name;

        @Override
        public Integer call() {
            return Output.answer(spec, server.api().post(path(name, "/rebuild"), "{}", Map.of()));
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Recompute a projection from the log and diff it against the live read model; exit 1 on a"
                    + " difference.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Parameters(index = "0", paramLabel = "NAME", description = "Projection name, e.g. orders.")
        String name;

        @Override
        public Integer call() {
            HttpApi.Response r = server.api().post(path(name, "/verify"), "{}", Map.of());
            int code = Output.answer(spec, r);
            return code != 0 ? code : r.body().contains("\"ok\":true") ? 0 : 1;
        }
    }
}
