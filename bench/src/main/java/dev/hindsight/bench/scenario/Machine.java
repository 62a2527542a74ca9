package dev.hindsight.bench.scenario;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run happened: what its numbers depend on.
 *
 * @param cores available processors
 * @param memoryBytes physical memory
 * @param os OS name and kernel version
 * @param jdk runtime name and version
 * @param dir the work directory
 * @param fileSystem its file system: type and device
 * @param loadAverage one-minute load average when the run started
 */
public record Machine(
        int cores, long memoryBytes, String os, String jdk, String dir, String fileSystem, double loadAverage) {

    static Machine describe(Path dir) throws IOException {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        FileStore store = Files.getFileStore(dir);
        return new Machine(
                Runtime.getRuntime().availableProcessors(),
                os.getTotalMemorySize(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.runtime.name") + " " + System.getProperty("java.runtime.version"),
                dir.toAbsolutePath().toString(),
                store.type() + " (" + store.name() + ")",
                ProcessMeter.loadAverage());
    }
}
