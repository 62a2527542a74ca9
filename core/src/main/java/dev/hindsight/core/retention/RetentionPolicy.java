package dev.hindsight.core.retention;

import dev.hindsight.core.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An ordered list of {@link RetentionRule}s: the first rule that matches an event decides; an event no rule matches is
 * kept (and archived with the store's default age). Immutable.
 */
public record RetentionPolicy(List<RetentionRule> rules) {
    /** No rules: everything is kept. */
    public static final RetentionPolicy NONE = new RetentionPolicy(List.of());

    /**
     * A rule given more than once (e.g. by {@code --retention} and again in {@code --retention-file}) is kept once, at
     * its first place: a later copy never decides an event (the first one matches it first), and runs would record its
     * deletions once per copy.
     */
    public RetentionPolicy {
        rules = List.copyOf(new LinkedHashSet<>(rules));
    }

    /** The rule deciding an event of {@code aggregateId} and {@code eventType}, or null when none matches. */
    public @Nullable RetentionRule ruleFor(String aggregateId, String eventType) {
        for (RetentionRule r : rules) {
            if (r.matches(aggregateId, eventType)) {
                return r;
            }
        }
        return null;
    }

    /** Whether any rule deletes. */
    public boolean deletes() {
        return rules.stream().anyMatch(r -> r.deleteAfter() != null);
    }

    /** Whether any rule has its own archive age. */
    public boolean archives() {
        return rules.stream().anyMatch(r -> r.action() instanceof RetentionRule.Action.ArchiveAfter);
    }

    /**
     * The age after which an event may move to the archive: the archive-after of its rule, {@code defaultAge} for
     * {@code keep} or no rule, null for a delete rule (such an event is deleted first, never archived with its data).
     */
    public @Nullable Duration archiveAge(String aggregateId, String eventType, Duration defaultAge) {
        RetentionRule r = ruleFor(aggregateId, eventType);
        if (r == null) {
            return defaultAge;
        }
        return switch (r.action()) {
            case RetentionRule.Action.Keep k -> defaultAge;
            case RetentionRule.Action.ArchiveAfter a -> a.age();
            case RetentionRule.Action.DeleteAfter d -> null;
        };
    }

    /** Parses rules in order (see {@link RetentionRule#parse}). */
    public static RetentionPolicy parse(List<String> rules) {
        return new RetentionPolicy(rules.stream().map(RetentionRule::parse).toList());
    }

    /**
     * Reads a rules file: one rule per line, in order; blank lines and lines starting with {@code #} are ignored.
     *
     * @throws InvalidRequestException naming the line of a bad rule
     * @throws IOException if the file cannot be read
     */
    public static RetentionPolicy read(Path file) throws IOException {
        List<RetentionRule> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(RetentionRule.parse(line));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new RetentionPolicy(out);
    }

    /** One rule per line, as {@link #read} takes them. */
    @Override
    public String toString() {
        return String.join("\n", rules.stream().map(RetentionRule::toString).toList());
    }
}
