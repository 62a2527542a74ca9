package dev.hindsight.bench.scenario;

import dev.hindsight.bench.scenario.RawFsyncBaseline.FileMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench raw}: the raw write + fdatasync loop alone, for each file layout and size, to see what the
 * disk gives and how much the file layout costs.
 */
@Command(
        name = "raw",
        mixinStandardHelpOptions = true,
        description = "Raw sequential write + fdatasync throughput and latency, per file layout and write size.")
public final class RawCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Work directory (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "hindsight-bench");

    @Option(names = "--seconds", description = "Measured seconds per cell (default: ${DEFAULT-VALUE})")
    double seconds = 5;

    @Option(names = "--bytes", split = ",", description = "Bytes per fdatasync (default: 700,4096,70000,1048576)")
    List<Integer> sizes = List.of(700, 4096, 70_000, 1 << 20);

    @Option(names = "--file", split = ",", description = "File layouts (default: SPARSE,GROW,PREWRITTEN)")
    List<FileMode> modes = List.of(FileMode.SPARSE, FileMode.GROW, FileMode.PREWRITTEN);

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        Duration measure = Duration.ofMillis((long) (seconds * 1000));
        System.out.println("| file | bytes/fdatasync | fdatasyncs/s | MB/s | write+fsync p50 ms | p99 ms | fsync p50 ms"
                + " | fsync p99 ms | fsync p99.9 ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int bytes : sizes) {
            for (FileMode mode : modes) {
                RawFsyncBaseline.Result r = RawFsyncBaseline.run(dir, mode, bytes, Duration.ofSeconds(1), measure);
                System.out.println(String.format(
                        Locale.ROOT,
                        "| %s | %,d | %,.0f | %.1f | %s | %s | %s | %s | %s |",
                        mode.label(),
                        bytes,
                        r.syncsPerSecond(),
                        r.megabytesPerSecond(),
                        Latency.ms(r.cycle().p50()),
                        Latency.ms(r.cycle().p99()),
                        Latency.ms(r.fsync().p50()),
                        Latency.ms(r.fsync().p99()),
                        Latency.ms(r.fsync().p999())));
            }
        }
        return 0;
    }
}
