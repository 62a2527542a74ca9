package dev.hindsight.index;

import java.nio.file.Path;

/**
 * An index file failed a check (CRC, header, size). The index is derived data: the owner rebuilds it from its log.
 * Immutable, thread-safe.
 */
public final class IndexCorruptionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The damaged file; not serialized. */
    private final transient Path file;

    public IndexCorruptionException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }
}
