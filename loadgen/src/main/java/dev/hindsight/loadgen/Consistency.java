package dev.hindsight.loadgen;

import java.util.List;

/**
 * The store and read model after a run, checked against what the generator did.
 *
 * @param ordersCreated orders this run created
 * @param readModelRowsBefore rows of the {@code orders} read model before the run (-1: cannot be counted here)
 * @param readModelRowsAfter rows after the run, once the read model caught up (-1: cannot be counted here)
 * @param ordersChecked orders of this run (a random sample if there were more) loaded and compared
 * @param loadMismatches of those, orders whose loaded version (write side) is not the number of commands that
 *     succeeded on them
 * @param readModelMismatches orders whose read-model row has another version (or is missing)
 * @param examples the first few mismatches
 */
record Consistency(
        long ordersCreated,
        long readModelRowsBefore,
        long readModelRowsAfter,
        long ordersChecked,
        long loadMismatches,
        long readModelMismatches,
        List<String> examples) {

    Consistency {
        examples = List.copyOf(examples);
    }

    /** Whether the read model gained exactly one row per created order (true when it cannot be counted). */
    boolean rowsOk() {
        return readModelRowsBefore < 0
                || readModelRowsAfter < 0
                || readModelRowsAfter - readModelRowsBefore == ordersCreated;
    }

    boolean ok() {
        return rowsOk() && loadMismatches == 0 && readModelMismatches == 0;
    }
}
