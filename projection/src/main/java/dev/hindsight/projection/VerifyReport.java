package dev.hindsight.projection;

import java.util.List;

/**
 * Outcome of {@link ProjectionEngine#verify}: the live read model compared with one recomputed from the log.
 *
 * @param projection the projection
 * @param position the position both were compared at
 * @param missingRows rows the recomputed model has and the live one lacks (or has different), as text
 * @param extraRows rows the live model has that the recomputed one lacks (or has different), as text
 */
public record VerifyReport(String projection, String position, List<String> missingRows, List<String> extraRows) {
    public VerifyReport {
        missingRows = List.copyOf(missingRows);
        extraRows = List.copyOf(extraRows);
    }

    public boolean ok() {
        return missingRows.isEmpty() && extraRows.isEmpty();
    }
}
