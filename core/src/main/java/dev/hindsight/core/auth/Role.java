package dev.hindsight.core.auth;

import java.util.Locale;

/** What a token may do. Each role may do what the ones before it may. */
public enum Role {
    /** Reads events, orders, projections, storage and metrics. */
    reader,
    /** Also appends events and runs order commands. */
    writer,
    /** Also rebuilds projections and reads the audit stream. */
    admin;

    /** Whether this role may do what {@code needed} may. */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /**
     * Parses {@code reader}, {@code writer} or {@code admin} (any case).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Role parse(String s) {
        try {
            return valueOf(s.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + s + "': expected reader, writer or admin", e);
        }
    }
}
