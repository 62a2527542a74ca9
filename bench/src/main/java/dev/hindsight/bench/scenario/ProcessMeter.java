package dev.hindsight.bench.scenario;

import java.lang.management.ManagementFactory;

/**
 * Reads this JVM's CPU time, heap allocation and the system load, to tell a CPU-bound cell from a disk-bound one.
 * Thread-safe.
 */
final class ProcessMeter {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * A reading at one instant.
     *
     * @param nanos {@code System.nanoTime()}
     * @param cpuNanos CPU time of this process
     * @param allocatedBytes heap allocated by this process
     * @param machineBusyNanos CPU time of the whole machine, all processes and the kernel ({@code /proc/stat}; 0 where
     *     absent)
     */
    record Reading(long nanos, long cpuNanos, long allocatedBytes, long machineBusyNanos) {}

    private ProcessMeter() {}

    static Reading read() {
        return new Reading(
                System.nanoTime(), OS.getProcessCpuTime(), THREADS.getTotalThreadAllocatedBytes(), machineBusyNanos());
    }

    /** Busy CPU time of the machine: user, nice, system, irq, softirq and steal from {@code /proc/stat}. */
    private static long machineBusyNanos() {
        try {
            String first = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
                    .getFirst();
            String[] f = first.trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU used by everything else on the machine between two readings, % of all cores. */
    static double othersPercent(Reading from, Reading to) {
        if (from.machineBusyNanos() == 0) {
            return 0;
        }
        double wall =
                (to.nanos() - from.nanos()) * (double) Runtime.getRuntime().availableProcessors();
        long others = (to.machineBusyNanos() - from.machineBusyNanos()) - (to.cpuNanos() - from.cpuNanos());
        return Math.max(0, 100.0 * others / wall);
    }

    /** CPU used between two readings, as a percentage of all cores (100 = every core busy). */
    static double cpuPercent(Reading from, Reading to) {
        double wall =
                (to.nanos() - from.nanos()) * (double) Runtime.getRuntime().availableProcessors();
        return wall <= 0 ? 0 : 100.0 * (to.cpuNanos() - from.cpuNanos()) / wall;
    }

    static long allocated(Reading from, Reading to) {
        return to.allocatedBytes() - from.allocatedBytes();
    }

    /** One-minute load average, or -1 where the OS does not tell. */
    static double loadAverage() {
        return OS.getSystemLoadAverage();
    }
}
