package dev.hindsight.store.file;

/** When the file log forces written records to stable storage before acknowledging an append. */
public enum FsyncPolicy {
    /** fsync every group-commit batch before acknowledging it (default): acknowledged = durable. */
    ALWAYS,
    /** fsync at most every {@link FileLogOptions#fsyncInterval()}; a crash may lose that window. */
    INTERVAL,
    /** never fsync explicitly; the OS flushes when it likes. For tests and throwaway data. */
    NEVER;

    /**
     * Parses {@code always|interval|never}.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static FsyncPolicy parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "interval" -> INTERVAL;
            case "never" -> NEVER;
            default ->
                throw new IllegalArgumentException("fsync must be always, interval or never, was '" + text + "'");
        };
    }
}
