package dev.hindsight.store.file;

import java.util.List;

/**
 * Outcome of {@link FileEventLog#verify()}.
 *
 * @param events events checked
 * @param aggregates aggregates checked
 * @param problems what is wrong, each naming the position, file or aggregate; empty when the store is sound
 */
public record VerifyReport(long events, long aggregates, List<String> problems) {
    public VerifyReport {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
