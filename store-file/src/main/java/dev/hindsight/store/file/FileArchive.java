package dev.hindsight.store.file;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.file.internal.ArchiveManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Archive operations on a file log's data directory that do not need the store open. */
public final class FileArchive {
    private FileArchive() {}

    /** What the archive holds, from a manifest. */
    public record Status(int segments, long events, long bytes, long firstPosition, long lastPosition) {}

    /** The archive as the data directory's local manifest records it. */
    public static Status localStatus(Path dataDir) throws IOException {
        return status(ArchiveManifest.readLocal(dataDir));
    }

    /** The archive as its remote manifest records it. */
    public static Status remoteStatus(ObjectStore store) throws IOException {
        return status(remote(store));
    }

    private static Status status(ArchiveManifest m) {
        var s = m.segments();
        long events = s.stream().mapToLong(ArchiveManifest.Entry::records).sum();
        long bytes = s.stream().mapToLong(ArchiveManifest.Entry::bytes).sum();
        return new Status(
                s.size(),
                events,
                bytes,
                s.isEmpty() ? 0 : s.getFirst().base(),
                s.isEmpty() ? 0 : s.getLast().base() + s.getLast().records() - 1);
    }

    private static ArchiveManifest remote(ObjectStore store) throws IOException {
        byte[] json = store.get(ArchiveManifest.KEY);
        if (json == null) {
            throw new StoreUnavailableException(
                    "no archive manifest (" + ArchiveManifest.KEY + ") in " + store.describe());
        }
        return ArchiveManifest.parse(json, store.describe() + ArchiveManifest.KEY);
    }

    /**
     * Makes {@code dataDir} (new, or without a log) a store whose history is the archive's: writes the archive's
     * manifest locally; opening it (with the same archive configured) rebuilds the indexes by reading each archived
     * segment once and continues after the last archived event. Events that were never archived (the old store's
     * active segment and segments younger than the archive age) are not in the archive.
     *
     * @throws IllegalStateException if {@code dataDir} already holds a log
     */
    public static Status restore(Path dataDir, ObjectStore store) throws IOException {
        Path segments = dataDir.resolve("segments");
        if (Files.isDirectory(segments)) {
            try (var s = Files.list(segments)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalStateException(dataDir + " already holds a log; restore into an empty directory");
                }
            }
        }
        ArchiveManifest m = remote(store);
        Files.createDirectories(dataDir);
        m.writeLocal(dataDir);
        return status(m);
    }
}
