package dev.hindsight.core.retention;

import dev.hindsight.core.InvalidRequestException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One retention rule: which events ({@link Match}) and what happens to them ({@link Action}). Written
 * {@code MATCH:ACTION}, e.g. {@code ord_:archive-after=30d}, {@code type=CartViewed:delete-after=90d},
 * {@code *:keep}; see {@link #parse}. Immutable.
 */
public record RetentionRule(Match match, Action action) {
    public RetentionRule {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
    }

    /** Which events a rule covers. */
    public sealed interface Match {
        /** Events of aggregates whose id starts with {@code prefix}. */
        record AggregatePrefix(String prefix) implements Match {
            public AggregatePrefix {
                if (prefix.isEmpty()) {
                    throw new IllegalArgumentException("an aggregate-id prefix must not be empty (use * for all)");
                }
            }
        }

        /** Events of type {@code type}. */
        record EventType(String type) implements Match {
            public EventType {
                if (type.isEmpty()) {
                    throw new IllegalArgumentException("an event type must not be empty");
                }
            }
        }

        /** Every event. */
        record All() implements Match {}
    }

    /** What happens to the events a rule covers. */
    public sealed interface Action {
        /** Never deleted; archived (file engine) with the store's default archive age. */
        record Keep() implements Action {}

        /** Never deleted; may move to the archive once older than {@code age}. */
        record ArchiveAfter(Duration age) implements Action {
            public ArchiveAfter {
                requireAge(age);
            }
        }

        /** Deleted once older than {@code age} (and applied by every projection; an aggregate's last event stays). */
        record DeleteAfter(Duration age) implements Action {
            public DeleteAfter {
                requireAge(age);
            }
        }
    }

    private static void requireAge(Duration age) {
        if (age.isNegative()) {
            throw new IllegalArgumentException("a retention age must not be negative");
        }
    }

    /** Whether this rule covers an event of aggregate {@code aggregateId} and type {@code eventType}. */
    public boolean matches(String aggregateId, String eventType) {
        return switch (match) {
            case Match.AggregatePrefix p -> aggregateId.startsWith(p.prefix());
            case Match.EventType t -> eventType.equals(t.type());
            case Match.All a -> true;
        };
    }

    /** The delete age, or null when this rule never deletes. */
    public @Nullable Duration deleteAfter() {
        return action instanceof Action.DeleteAfter d ? d.age() : null;
    }

    /**
     * Parses {@code MATCH:ACTION}. MATCH is an aggregate-id prefix ({@code ord_}), {@code type=EventType} or
     * {@code *}; ACTION is {@code keep}, {@code archive-after=DURATION} or {@code delete-after=DURATION}, DURATION a
     * whole number with unit {@code s}, {@code m}, {@code h} or {@code d} ({@code 90d}, {@code 12h}, {@code 0s}).
     *
     * @throws InvalidRequestException naming what is wrong
     */
    public static RetentionRule parse(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw bad(text, "expected MATCH:ACTION, e.g. ord_:archive-after=30d or type=CartViewed:delete-after=90d");
        }
        String m = t.substring(0, colon).strip();
        String a = t.substring(colon + 1).strip();
        Match match;
        if (m.equals("*")) {
            match = new Match.All();
        } else if (m.startsWith("type=")) {
            String type = m.substring("type=".length()).strip();
            if (type.isEmpty()) {
                throw bad(text, "type= needs an event type, e.g. type=CartViewed");
            }
            match = new Match.EventType(type);
        } else {
            match = new Match.AggregatePrefix(m);
        }
        Action action;
        if (a.equals("keep")) {
            action = new Action.Keep();
        } else if (a.startsWith("archive-after=")) {
            action = new Action.ArchiveAfter(duration(text, a.substring("archive-after=".length())));
        } else if (a.startsWith("delete-after=")) {
            action = new Action.DeleteAfter(duration(text, a.substring("delete-after=".length())));
        } else {
            throw bad(
                    text, "the action must be keep, archive-after=DURATION or delete-after=DURATION, not '" + a + "'");
        }
        return new RetentionRule(match, action);
    }

    /** A whole number with unit s, m, h or d. */
    static Duration duration(String rule, String text) {
        String d = text.strip();
        if (!d.matches("\\d{1,9}[smhd]")) {
            throw bad(rule, "expected a duration like 90d, 12h, 30m or 0s, not '" + text + "'");
        }
        long n = Long.parseLong(d.substring(0, d.length() - 1));
        return switch (d.charAt(d.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static InvalidRequestException bad(String rule, String why) {
        return new InvalidRequestException("bad retention rule '" + rule + "': " + why);
    }

    /** The rule as {@link #parse} reads it. */
    @Override
    public String toString() {
        String m = switch (match) {
            case Match.AggregatePrefix p -> p.prefix();
            case Match.EventType t -> "type=" + t.type();
            case Match.All a -> "*";
        };
        String a = switch (action) {
            case Action.Keep k -> "keep";
            case Action.ArchiveAfter x -> "archive-after=" + format(x.age());
            case Action.DeleteAfter x -> "delete-after=" + format(x.age());
        };
        return m + ":" + a;
    }

    private static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0 && s > 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0 && s > 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
