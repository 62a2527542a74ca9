package dev.hindsight.cli;

import dev.hindsight.core.HindsightException;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight verify}: integrity check of an embedded store (every record's CRC, contiguous positions and
 * versions, index consistency). Exit 0 when sound, 1 with the problems listed otherwise. Needs the store closed (the
 * server stopped): it takes the data directory's lock. Not thread-safe.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Check an embedded store's integrity (CRCs, contiguous versions, index); exit 1 on a problem.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = "./data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--max-problems", defaultValue = "100", description = "Stop after this many problems.")
    int maxProblems;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path logDir = dataDir.resolve("log");
        Path dir = Files.isDirectory(logDir) ? logDir : dataDir;
        if (!Files.isDirectory(dir.resolve("segments"))) {
            throw new CliException("no Hindsight store in " + dataDir + " (no segments directory)");
        }
        long t0 = System.nanoTime();
        VerifyReport report;
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir))) {
            report = log.verify(maxProblems);
        } catch (HindsightException e) {
            throw new CliException("cannot verify " + dir + ": " + e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (String p : report.problems()) {
            out.println("PROBLEM " + p);
        }
        out.printf(
                "%s: %d events in %d aggregates checked in %.1f s: %s%n",
                dir,
                report.events(),
                report.aggregates(),
                seconds,
                report.ok() ? "OK" : report.problems().size() + " problem(s)");
        out.flush();
        return report.ok() ? 0 : 1;
    }
}
