package dev.hindsight.core.retention;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One retention run: when, up to which position the projections had applied the log (nothing after it was deleted),
 * and how many events each delete rule deleted. Immutable.
 *
 * @param at when it started
 * @param millis how long it took
 * @param appliedUpTo wire form of the position every consumer had applied (events after it were not touched)
 * @param rules per delete rule, in policy order, the events it deleted in this run (up to the failure, if it failed)
 * @param error why it stopped early, or null
 */
public record RetentionRun(
        Instant at,
        long millis,
        String appliedUpTo,
        List<RuleCount> rules,
        @Nullable String error) {
    public RetentionRun {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(appliedUpTo, "appliedUpTo");
        rules = List.copyOf(rules);
    }

    /** Events a rule deleted ({@code rule} as {@link RetentionRule#toString()} writes it). */
    public record RuleCount(String rule, long events) {
        public RuleCount {
            Objects.requireNonNull(rule, "rule");
        }
    }

    /** Events deleted by all rules. */
    public long deleted() {
        return rules.stream().mapToLong(RuleCount::events).sum();
    }
}
