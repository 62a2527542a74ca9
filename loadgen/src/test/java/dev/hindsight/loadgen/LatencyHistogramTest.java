package dev.hindsight.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentiles_withinTwoPercentOfExact_maxExact() {
        SplittableRandom r = new SplittableRandom(7);
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[100_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(r.nextDouble() * 16); // 1 µs .. ~9 s, log-uniform
            h.recordMicros(values[i]);
        }
        Arrays.sort(values);

        for (double q : new double[] {0.5, 0.95, 0.99, 0.999}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            assertThat((double) h.percentileMicros(q)).as("p" + q).isCloseTo(exact, within(exact * 0.02 + 1));
        }
        assertThat(h.maxMicros()).isEqualTo(values[values.length - 1]);
        assertThat(h.count()).isEqualTo(values.length);
    }

    @Test
    void buckets_areContiguous_andBoundsCoverTheirValues() {
        for (long v = 0; v < 1_000_000; v += 1 + v / 50) {
            int i = LatencyHistogram.index(v);
            assertThat(LatencyHistogram.upperBound(i)).isGreaterThanOrEqualTo(v);
            assertThat(i == 0 || LatencyHistogram.upperBound(i - 1) < v).isTrue();
        }
    }

    @Test
    void empty_isZero() {
        assertThat(new LatencyHistogram().summary().p99()).isZero();
    }
}
