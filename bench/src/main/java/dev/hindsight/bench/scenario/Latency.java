package dev.hindsight.bench.scenario;

import org.HdrHistogram.Histogram;

/**
 * Latency summary in nanoseconds, from an HdrHistogram (3 significant digits, up to one hour).
 *
 * @param count number of samples
 * @param p50 median
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest sample
 * @param mean arithmetic mean
 */
public record Latency(long count, long p50, long p99, long p999, long max, double mean) {
    static final Latency NONE = new Latency(0, 0, 0, 0, 0, 0);

    /** A histogram fit for nanosecond latencies; not thread-safe, use one per thread and {@code add} them. */
    static Histogram histogram() {
        return new Histogram(3_600_000_000_000L, 3);
    }

    static Latency of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return NONE;
        }
        return new Latency(
                h.getTotalCount(),
                h.getValueAtPercentile(50),
                h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9),
                h.getMaxValue(),
                h.getMean());
    }

    static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
