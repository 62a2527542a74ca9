package dev.hindsight.core;

/** Order of an aggregate read. */
public enum ReadDirection {
    FORWARD,
    BACKWARD;

    /**
     * Parses {@code forward} / {@code backward}.
     *
     * @throws InvalidRequestException otherwise
     */
    public static ReadDirection parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "forward" -> FORWARD;
            case "backward" -> BACKWARD;
            default -> throw new InvalidRequestException("direction must be forward or backward, was '" + text + "'");
        };
    }
}
