package dev.hindsight.store.file;

/**
 * Tuning of a {@link FileSnapshotStore}; {@link #defaults()} fits production, tests shrink the thresholds.
 *
 * @param memtableEntries snapshot locations kept in memory before they are written as an index run (the heap bound:
 *     ~100 bytes each); default 32,768
 * @param trainAfter snapshots of a generation without a dictionary collected (uncompressed, at most 4 MiB) before a
 *     zstd dictionary is trained from them; default 2,000
 * @param dictionaryBytes size of a trained dictionary; default 16 KiB
 * @param level zstd compression level; default 3
 * @param compactMinBytes a generation file smaller than this is never compacted; default 16 MiB
 */
public record FileSnapshotOptions(
        int memtableEntries, int trainAfter, int dictionaryBytes, int level, long compactMinBytes) {

    public FileSnapshotOptions {
        if (memtableEntries < 1 || trainAfter < 1 || dictionaryBytes < 1024 || compactMinBytes < 0) {
            throw new IllegalArgumentException("memtableEntries and trainAfter must be >= 1, dictionaryBytes >= 1 KiB"
                    + " and compactMinBytes >= 0");
        }
    }

    /** The defaults. */
    public static FileSnapshotOptions defaults() {
        return new FileSnapshotOptions(32_768, 2_000, 16 * 1024, 3, 16L << 20);
    }

    public FileSnapshotOptions withMemtableEntries(int entries) {
        return new FileSnapshotOptions(entries, trainAfter, dictionaryBytes, level, compactMinBytes);
    }

    public FileSnapshotOptions withTrainAfter(int snapshots) {
        return new FileSnapshotOptions(memtableEntries, snapshots, dictionaryBytes, level, compactMinBytes);
    }

    public FileSnapshotOptions withCompactMinBytes(long bytes) {
        return new FileSnapshotOptions(memtableEntries, trainAfter, dictionaryBytes, level, bytes);
    }
}
