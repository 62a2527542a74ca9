package dev.hindsight.loadgen;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A concurrent latency histogram in constant memory: microsecond values in log-linear buckets (exact below 128 µs,
 * then 64 buckets per power of two, so a percentile is within 1.6% of the true value); the maximum is exact.
 * Thread-safe and lock-free.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sum = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    /** Records a duration in nanoseconds (negative values count as 0). */
    void recordNanos(long nanos) {
        recordMicros(Math.max(0, nanos) / 1000);
    }

    void recordMicros(long micros) {
        long v = Math.max(0, micros);
        counts.incrementAndGet(index(v));
        count.incrementAndGet();
        sum.addAndGet(v);
        max.accumulateAndGet(v, Math::max);
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        int shift = exp - SUB_BITS;
        return shift * SUB + (int) (v >>> shift);
    }

    /** The highest value that falls in bucket {@code i}. */
    static long upperBound(int i) {
        if (i < 2 * SUB) {
            return i;
        }
        int shift = i / SUB - 1;
        long mantissa = i % SUB + SUB;
        return ((mantissa + 1) << shift) - 1;
    }

    long count() {
        return count.get();
    }

    /** The value (µs) at or below which a fraction {@code q} of the values fall; 0 when empty. */
    long percentileMicros(double q) {
        long n = count.get();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(upperBound(i), max.get());
            }
        }
        return max.get();
    }

    long maxMicros() {
        return max.get();
    }

    double meanMicros() {
        long n = count.get();
        return n == 0 ? 0 : (double) sum.get() / n;
    }

    /** The usual summary: count, p50, p95, p99, p99.9, max and mean, in milliseconds. */
    Summary summary() {
        return new Summary(
                count(),
                ms(percentileMicros(0.50)),
                ms(percentileMicros(0.95)),
                ms(percentileMicros(0.99)),
                ms(percentileMicros(0.999)),
                ms(maxMicros()),
                meanMicros() / 1000.0);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /**
     * A latency summary in milliseconds.
     *
     * @param count number of values
     * @param p50 median
     * @param p95 95th percentile
     * @param p99 99th percentile
     * @param p999 99.9th percentile
     * @param max largest value
     * @param mean average
     */
    record Summary(long count, double p50, double p95, double p99, double p999, double max, double mean) {}
}
