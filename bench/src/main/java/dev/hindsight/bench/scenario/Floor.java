package dev.hindsight.bench.scenario;

import java.util.Locale;

/**
 * One floor of issue 2 checked against a measurement.
 *
 * @param metric what is measured
 * @param floor the floor, as text
 * @param value the measurement, as text
 * @param baseline the baseline it is compared with, as text ("" if none)
 * @param ratio measurement ÷ baseline, as text ("" if none)
 * @param pass whether the floor is met
 * @param margin headroom, as text: for "≥" floors measurement ÷ floor − 1, for "≤" floors floor ÷ measurement − 1;
 *     negative means missed by that much
 */
public record Floor(
        String metric, String floor, String value, String baseline, String ratio, boolean pass, String margin) {

    /** A floor "value ≥ min". */
    static Floor atLeast(String metric, double min, double value, String unit, String baseline, String ratio) {
        boolean pass = value >= min;
        return new Floor(
                metric, "≥ " + num(min) + unit, num(value) + unit, baseline, ratio, pass, pct(value / min - 1));
    }

    /** A floor "value ≤ max". */
    static Floor atMost(String metric, double max, double value, String unit, String baseline, String ratio) {
        boolean pass = value <= max;
        return new Floor(
                metric, "≤ " + num(max) + unit, num(value) + unit, baseline, ratio, pass, pct(max / value - 1));
    }

    String verdict() {
        return pass ? "PASS" : "MISS";
    }

    static String num(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, Math.abs(fraction) < 0.1 ? "%+.1f%%" : "%+.0f%%", fraction * 100);
    }
}
