package dev.hindsight.core;

/**
 * Optimistic-concurrency condition of an append: the aggregate's version (number of events) the writer expects.
 *
 * <p>Wire form ({@link #toString()}, {@link #parse(String)}): {@code any}, {@code no_stream}, {@code exists}, or a
 * non-negative number. {@code 0} is the same as {@code no_stream}.
 */
public sealed interface ExpectedVersion {

    /** No check. */
    record Any() implements ExpectedVersion {
        @Override
        public String toString() {
            return "any";
        }
    }

    /** The aggregate must have no events. */
    record NoStream() implements ExpectedVersion {
        @Override
        public String toString() {
            return "no_stream";
        }
    }

    /** The aggregate must have at least one event. */
    record Exists() implements ExpectedVersion {
        @Override
        public String toString() {
            return "exists";
        }
    }

    /**
     * The aggregate must be exactly at {@code version}.
     *
     * @param version the expected number of events, ≥ 0
     */
    record Exact(long version) implements ExpectedVersion {
        public Exact {
            if (version < 0) {
                throw new IllegalArgumentException("expected version must be >= 0, was " + version);
            }
        }

        @Override
        public String toString() {
            return Long.toString(version);
        }
    }

    ExpectedVersion ANY = new Any();
    ExpectedVersion NO_STREAM = new NoStream();
    ExpectedVersion EXISTS = new Exists();

    static ExpectedVersion exact(long version) {
        return version == 0 ? NO_STREAM : new Exact(version);
    }

    /** Whether an aggregate currently at {@code actual} satisfies this condition. */
    default boolean matches(long actual) {
        return switch (this) {
            case Any a -> true;
            case NoStream n -> actual == 0;
            case Exists e -> actual > 0;
            case Exact x -> actual == x.version();
        };
    }

    /**
     * Parses the wire form.
     *
     * @throws InvalidRequestException if {@code text} is not one of the forms above
     */
    static ExpectedVersion parse(String text) {
        String t = text.trim();
        switch (t) {
            case "any":
                return ANY;
            case "no_stream":
                return NO_STREAM;
            case "exists":
                return EXISTS;
            default:
                try {
                    long v = Long.parseLong(t);
                    if (v < 0) {
                        throw new InvalidRequestException("expected version must be >= 0: " + t);
                    }
                    return exact(v);
                } catch (NumberFormatException e) {
                    throw new InvalidRequestException(
                            "expected version must be any, no_stream, exists or a number, was '" + t + "'");
                }
        }
    }
}
