package dev.hindsight.bench;

import dev.hindsight.bench.peers.PeersCommand;
import dev.hindsight.bench.projection.ProjectionBenchCommand;
import dev.hindsight.bench.scenario.AppendCommand;
import dev.hindsight.bench.scenario.RawCommand;
import dev.hindsight.bench.state.StateCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * Entry point of {@code hindsight-bench.jar}: {@code append} runs the end-to-end scenario, {@code jmh} hands its
 * arguments to the JMH runner (whose benchmark list is in the same jar).
 */
@Command(
        name = "hindsight-bench",
        mixinStandardHelpOptions = true,
        description = "Hindsight benchmarks.",
        subcommands = {
            AppendCommand.class,
            RawCommand.class,
            StateCommand.class,
            ProjectionBenchCommand.class,
            PeersCommand.class,
            dev.hindsight.bench.httpref.HttpRefCommand.class,
            dev.hindsight.bench.growth.GrowthCommand.class,
            BenchMain.Jmh.class
        })
public final class BenchMain implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 2;
    }

    /** Runs JMH with the given arguments, e.g. {@code jmh -f 1 -wi 3 -i 5 AppendMicro}. */
    @Command(name = "jmh", description = "Runs the JMH micro benchmarks; every argument goes to JMH (try -h, -l).")
    static final class Jmh implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args.toArray(new String[0]));
            return 0;
        }
    }
}
